#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One computation on a thread of its own, whose value ``wait()`` returns: how `plan` decodes the
/// lock and reads the closure file while the spec is loaded (issue 13 §5). A POSIX thread, not
/// Swift concurrency or Dispatch: the everyday commands are synchronous and start no thread pool.
/// When the thread cannot be created, the work runs at once on the caller's thread.
final class BackgroundWork<Value: Sendable>: @unchecked Sendable {
    // Written once by the worker thread before it ends; read only after pthread_join(3), which
    // orders the write before the read.
    private var value: Value?
    private var thread = pthread_t()
    private var started = false
    private var joined = false

    /// Starts `work` on a new thread.
    init(_ work: @escaping @Sendable () -> Value) {
        // The thread holds `self` until it ends: a caller may drop its reference without waiting
        // (a spec with errors ends `plan` before the lock is looked at).
        let body = ThreadBody { self.value = work() }
        let argument = Unmanaged.passRetained(body).toOpaque()
        started = pthread_create(&thread, nil, { raw in
            Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, argument) == 0
        if !started {
            Unmanaged<ThreadBody>.fromOpaque(argument).release()
            value = work()
        }
    }

    /// Waits for the thread and returns what `work` returned.
    func wait() -> Value {
        if started, !joined {
            pthread_join(thread, nil)
            joined = true
        }
        return value!
    }

    /// A thread nobody waited for is detached, so that its resources are freed when it ends.
    deinit {
        if started, !joined { pthread_detach(thread) }
    }
}

/// The closure a thread runs, passed through pthread_create(3)'s `void *` argument.
private final class ThreadBody {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}
