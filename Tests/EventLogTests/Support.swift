import EventLog
import Foundation

/// A fresh directory under the system's temporary folder, removed when the test is done with it.
final class TemporaryDirectory: Sendable {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "netreach-eventlog-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    func segmentNames() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".seg") }.sorted()
    }

    func bytes(of name: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: file(name)) ?? Data()) }

    func write(_ bytes: [UInt8], to name: String) {
        try! Data(bytes).write(to: URL(fileURLWithPath: file(name)))
    }
}

/// An event with a recognisable payload.
func event(_ text: String, type: EventType = "test.event", id: EventID = .random(), metadata: [UInt8] = []) -> ProposedEvent {
    ProposedEvent(id: id, type: type, author: .zero, timeMilliseconds: 1_700_000_000_000, metadata: metadata,
                  payload: Array(text.utf8))
}

func text(_ event: RecordedEvent) -> String { String(decoding: event.payload, as: UTF8.self) }

/// Opens a store, runs `body`, and always closes it.
func withStore<R>(_ directory: TemporaryDirectory, configuration: FileEventStoreConfiguration = .init(),
                  _ body: (FileEventStore) async throws -> R) async throws -> R {
    let store = try FileEventStore(directory: directory.path, configuration: configuration)
    do {
        let result = try await body(store)
        await store.close()
        return result
    } catch {
        await store.close()
        throw error
    }
}

enum FileManagerSupport {
    static func remove(_ path: String) throws { try FileManager.default.removeItem(atPath: path) }
}
