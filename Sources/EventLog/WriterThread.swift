#if canImport(Glibc)
import Glibc
#endif

/// A dedicated POSIX thread for the blocking write-and-flush loop, so `fdatasync` never occupies
/// one of Swift concurrency's cooperative threads.
enum WriterThread {
    private final class Box: @unchecked Sendable {
        let name: String
        let body: @Sendable () -> Void
        init(_ name: String, _ body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }

    static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(name, body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        precondition(status == 0, "cannot start the \(name) thread: error \(status)")
        pthread_detach(thread)
    }
}
