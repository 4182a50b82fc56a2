import NIOCore
import NIOPosix
import Synchronization

/// Where the relay's Swift tasks run (docs/RELAY.md, "Threads").
public enum RelayExecutor {
    private static let installed = Atomic<Bool>(false)

    /// Makes SwiftNIO's event loops Swift Concurrency's global executor, so that a connection's task
    /// runs on an event loop instead of handing every frame between the event loops and a separate
    /// pool of threads. `netreach-relay serve` calls it first thing, on the main thread, before any
    /// task has started (SwiftNIO's condition); false when it could not be installed, and then the
    /// tasks run on Swift's default pool, slower and otherwise the same.
    @discardableResult
    public static func installEventLoopsAsGlobalExecutor() -> Bool {
        let done = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        if done { installed.store(true, ordering: .sequentiallyConsistent) }
        return done
    }

    /// Whether this process's tasks run on the event loops (said in the relay's "log open" line).
    public static var tasksRunOnEventLoops: Bool { installed.load(ordering: .sequentiallyConsistent) }
}
