public import Foundation
public import NetreachCore
public import Sodium
#if canImport(Glibc)
import Glibc
#endif

/// One unlock per shift (docs/CLI.md, "Unlock"): a small process that holds a staff member's
/// decrypted keys in locked memory and hands them to `netreach` commands of the same user through a
/// Unix socket in the home folder (mode 0600, and the peer's uid checked), so that the passphrase
/// is typed once instead of exported in the shell. It ends, zeroing the keys, at its deadline, on
/// `netreach lock`, or when the login session it was started from ends. The keys are never written
/// anywhere; the protection is against a passphrase in the shell's history or environment, not
/// against a program already running as the same user (it could ask the agent as `netreach` does).
public enum KeyAgent {
    public struct Error: Swift.Error, Sendable, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
        init(_ description: String) { self.description = description }
    }

    /// The bytes an agent holds: the Ed25519 seed, then the X25519 secret key (as in the key file).
    public static let secretCount = 64

    public static func socketPath(_ home: NetreachHome) -> String { home.path + "/agent.sock" }

    /// What a running agent says about itself.
    public struct Status: Sendable, Equatable {
        public let name: String
        /// When it ends by itself, in seconds since 1970.
        public let until: Int
    }

    // MARK: Asking an agent

    /// The keys of `name` from the agent of `home`, or nil when no agent runs there or it holds another name's keys.
    public static func credentials(home: NetreachHome, name: StaffName) -> StaffCredentials? {
        guard let answer = try? request(home: home, "keys \(name.text)\n", expectingSecret: true),
              let secret = answer.secret else { return nil }
        return try? StaffCredentials(name: name, secrets: secret)
    }

    /// The running agent's name and deadline, or nil when none answers.
    public static func status(home: NetreachHome) -> Status? {
        guard let answer = try? request(home: home, "status\n", expectingSecret: false) else { return nil }
        let words = answer.line.split(separator: " ")
        guard words.count == 3, words[0] == "ok", let until = Int(words[2]) else { return nil }
        return Status(name: String(words[1]), until: until)
    }

    /// Ends the running agent; returns whether one was running.
    @discardableResult
    public static func lock(home: NetreachHome) -> Bool {
        (try? request(home: home, "lock\n", expectingSecret: false))?.line == "ok"
    }

    private static func request(home: NetreachHome, _ line: String, expectingSecret: Bool) throws(Error) -> (line: String, secret: SecureBytes?) {
        let fd = try connectedSocket(path: socketPath(home))
        defer { close(fd) }
        try writeAll(fd, Array(line.utf8))
        let answer = try readLine(fd)
        guard expectingSecret, answer == "ok" else { return (answer, nil) }
        let secret = try SecureBytes(count: secretCount) { (buffer: UnsafeMutableRawBufferPointer) throws(Error) in
            try readExactly(fd, into: buffer)
        }
        return (answer, secret)
    }

    // MARK: Being the agent

    /// Serves `secret` for `name` until `deadline`, `lock`, or the end of login session `session`
    /// (a process id that `kill(session, 0)` finds while the session lasts). `ready` is called once
    /// the socket listens. Returns why it ended; the socket is removed and the keys zeroed on return.
    public static func serve(home: NetreachHome, name: StaffName, secret: SecureBytes, deadline: Date, session: Int32?,
                             ready: () -> Void) throws(Error) -> String {
        // No core dump, no ptrace or /proc/PID/mem by other processes of this user, the keys' pages locked.
        makeUndumpable()
        _ = secret.lockInMemory()
        let path = socketPath(home)
        let listener = try listeningSocket(path: path)
        defer {
            close(listener)
            unlink(path)
        }
        ready()
        let until = Int(deadline.timeIntervalSince1970)
        while true {
            if Date() >= deadline { return "its time ran out" }
            if let session, kill(session, 0) != 0, errno == ESRCH { return "the login session it was started from ended" }
            // The socket file itself must still be ours: if it was removed or replaced, nobody can reach this agent.
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFSOCK, info.st_uid == getuid() else {
                return "its socket was removed"
            }
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 1000)
            guard ready > 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            if answer(client, name: name, secret: secret, until: until) { return "netreach lock" }
        }
    }

    /// Answers one request on `client` and closes it; returns true when it was `lock`.
    private static func answer(_ client: Int32, name: StaffName, secret: SecureBytes, until: Int) -> Bool {
        defer { close(client) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // Only a process of this user, whatever the file's mode says.
        var peer = PeerCredentials()
        var length = socklen_t(MemoryLayout<PeerCredentials>.size)
        guard getsockopt(client, SOL_SOCKET, SO_PEERCRED, &peer, &length) == 0, peer.uid == getuid() else { return false }
        guard let request = try? readLine(client) else { return false }
        switch request {
        case "keys \(name.text)":
            guard (try? writeAll(client, Array("ok\n".utf8))) != nil else { return false }
            _ = try? writeAll(client, secret)
        case "status":
            _ = try? writeAll(client, Array("ok \(name.text) \(until)\n".utf8))
        case "lock":
            _ = try? writeAll(client, Array("ok\n".utf8))
            return true
        default:
            _ = try? writeAll(client, Array("no\n".utf8))
        }
        return false
    }

    /// `prctl(PR_SET_DUMPABLE, 0)`: no core dump, and other processes of this user can neither
    /// ptrace this one nor read its memory through /proc. prctl is variadic, which Swift cannot call,
    /// so it is looked up with its fixed five-argument form; without it, core dumps are at least off.
    private static func makeUndumpable() {
        var none = rlimit(rlim_cur: 0, rlim_max: 0)
        _ = setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &none)
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "prctl") else { return }
        let setDumpable: Int32 = 4  // PR_SET_DUMPABLE
        _ = unsafeBitCast(symbol, to: Prctl.self)(setDumpable, 0, 0, 0, 0)
    }

    /// Linux's `struct ucred`, which the Glibc module does not export.
    private struct PeerCredentials {
        var pid: pid_t = 0
        var uid: uid_t = 0
        var gid: gid_t = 0
    }

    // MARK: Sockets

    private static func address(_ path: String) throws(Error) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else {
            throw Error("the agent's socket path \(path) is longer than \(capacity - 1) bytes; use a shorter NETREACH_HOME")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        return address
    }

    private static func connectedSocket(path: String) throws(Error) -> Int32 {
        var address = try address(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Error("cannot make a socket: \(String(cString: strerror(errno)))") }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw Error("no agent at \(path)")
        }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    private static func listeningSocket(path: String) throws(Error) -> Int32 {
        var address = try address(path)
        if status(atPath: path) {
            throw Error("an agent already answers at \(path); run 'netreach lock' first")
        }
        unlink(path)  // a stale socket of an agent that was killed
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Error("cannot make a socket: \(String(cString: strerror(errno)))") }
        // Made 0600 from the start: no moment when another user could connect.
        let previous = umask(0o177)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        umask(previous)
        guard bound == 0, chmod(path, 0o600) == 0, listen(fd, 8) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Error("cannot listen at \(path): \(reason)")
        }
        return fd
    }

    /// Whether something answers at `path` (another agent).
    private static func status(atPath path: String) -> Bool {
        guard let fd = try? connectedSocket(path: path) else { return false }
        close(fd)
        return true
    }

    private static func writeAll(_ fd: Int32, _ bytes: some ByteInput) throws(Error) {
        let result: Bool = bytes.withByteInput { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return false }
                offset += written
            }
            return true
        }
        guard result else { throw Error("the agent's socket closed while writing") }
    }

    /// One line of at most 256 bytes, without its newline.
    private static func readLine(_ fd: Int32) throws(Error) -> String {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = read(fd, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            guard count == 1 else { throw Error("the agent's socket closed before a whole line") }
            if byte == 0x0A { return String(decoding: line, as: UTF8.self) }
            line.append(byte)
            guard line.count <= 256 else { throw Error("a line from the agent's socket is too long") }
        }
    }

    private static func readExactly(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(Error) {
        var offset = 0
        while offset < buffer.count {
            let count = read(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw Error("the agent's socket closed before the keys were whole") }
            offset += count
        }
    }
}
