import CSQLite
import Foundation

/// The baseline: the same appends on SQLite in WAL mode with `synchronous=FULL`, one transaction
/// per append, through one writer connection shared by every writer thread (SQLite serialises
/// writers anyway; a shared connection avoids its sleeping busy handler, which would be unfair to it).
final class SQLiteBaseline: @unchecked Sendable {
    private var db: OpaquePointer?
    private var lastVersion: OpaquePointer?
    private var insert: OpaquePointer?
    private let lock = NSLock()

    init(path: String) throws {
        guard sqlite3_open(path, &db) == SQLITE_OK else { throw BenchError("cannot open SQLite at \(path)") }
        try exec("PRAGMA journal_mode=WAL")
        try exec("PRAGMA synchronous=FULL")
        try exec("""
            CREATE TABLE IF NOT EXISTS events(
                position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER NOT NULL,
                id BLOB NOT NULL UNIQUE, type TEXT NOT NULL, time INTEGER NOT NULL, payload BLOB NOT NULL,
                UNIQUE(stream, version))
            """)
        guard sqlite3_prepare_v2(db, "SELECT max(version) FROM events WHERE stream = ?1", -1, &lastVersion, nil) == SQLITE_OK,
              sqlite3_prepare_v2(db, "INSERT INTO events(stream, version, id, type, time, payload) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                                 -1, &insert, nil) == SQLITE_OK
        else { throw BenchError("cannot prepare statements: \(String(cString: sqlite3_errmsg(db)))") }
    }

    deinit {
        sqlite3_finalize(lastVersion)
        sqlite3_finalize(insert)
        sqlite3_close(db)
    }

    var settings: String {
        "journal_mode=\(query("PRAGMA journal_mode")) synchronous=\(query("PRAGMA synchronous")) sqlite=\(String(cString: sqlite3_libversion()))"
    }

    /// One durable append: read the stream's version, insert the next, commit.
    func append(stream: String, id: [UInt8], payload: [UInt8]) throws {
        lock.lock()
        defer { lock.unlock() }
        try exec("BEGIN IMMEDIATE")
        sqlite3_reset(lastVersion)
        sqlite3_bind_text(lastVersion, 1, stream, -1, SQLITE_TRANSIENT_VALUE)
        var version: Int64 = 0
        if sqlite3_step(lastVersion) == SQLITE_ROW, sqlite3_column_type(lastVersion, 0) != SQLITE_NULL {
            version = sqlite3_column_int64(lastVersion, 0) + 1
        }
        sqlite3_reset(insert)
        sqlite3_bind_text(insert, 1, stream, -1, SQLITE_TRANSIENT_VALUE)
        sqlite3_bind_int64(insert, 2, version)
        _ = id.withUnsafeBytes { sqlite3_bind_blob(insert, 3, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT_VALUE) }
        sqlite3_bind_text(insert, 4, "bench.event", -1, SQLITE_TRANSIENT_VALUE)
        sqlite3_bind_int64(insert, 5, 0)
        _ = payload.withUnsafeBytes { sqlite3_bind_blob(insert, 6, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT_VALUE) }
        guard sqlite3_step(insert) == SQLITE_DONE else {
            let message = String(cString: sqlite3_errmsg(db))
            try? exec("ROLLBACK")
            throw BenchError("SQLite insert failed: \(message)")
        }
        try exec("COMMIT")
    }

    private func exec(_ sql: String) throws {
        guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else {
            throw BenchError("SQLite \(sql): \(String(cString: sqlite3_errmsg(db)))")
        }
    }

    private func query(_ sql: String) -> String {
        var statement: OpaquePointer?
        defer { sqlite3_finalize(statement) }
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, sqlite3_step(statement) == SQLITE_ROW,
              let text = sqlite3_column_text(statement, 0) else { return "?" }
        return String(cString: text)
    }
}

/// SQLite's SQLITE_TRANSIENT (a destructor value of -1), which Swift cannot import as a macro.
let SQLITE_TRANSIENT_VALUE = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
