#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs one plugin process: writes `input` to its stdin while reading its stdout and stderr
/// (poll(2), so neither side can block the other), with a wall-clock deadline and a cap on the
/// stdout size. The plugin runs in its own process group; on a timeout or an oversized response
/// the whole group is killed (SIGKILL), so a shell plugin's children go too.
struct PluginProcess {
    /// How the process ended.
    enum Termination: Equatable {
        /// Exited with this status.
        case exited(Int32)
        /// Killed by this signal (a crash, or killed by someone else).
        case signalled(Int32)
        /// Killed by the host: no exit within the deadline.
        case timedOut
        /// Killed by the host: stdout grew beyond the limit.
        case oversized
    }

    /// What the run produced.
    struct Outcome {
        var termination: Termination
        /// Everything read from stdout (at most the limit).
        var stdout: [UInt8]
        /// The last ``stderrKeep`` bytes of stderr.
        var stderr: [UInt8]
    }

    /// Bytes of stderr kept for quoting (the tail).
    static let stderrKeep = 16 * 1024

    /// Spawn failures: the executable cannot be started at all.
    struct SpawnError: Error { var message: String }

    /// Runs `executable` with `arguments` (argv[1…]) and the host's environment.
    ///
    /// - Parameters:
    ///   - timeout: seconds from the start until the process must have exited.
    ///   - maxStdout: the most bytes of stdout accepted.
    /// - Throws: ``SpawnError`` when posix_spawn fails (not executable, no such file).
    static func run(_ executable: String, arguments: [String], input: [UInt8], timeout: Double, maxStdout: Int) throws(SpawnError) -> Outcome {
        signal(SIGPIPE, SIG_IGN) // a plugin that exits without reading stdin must not kill the host
        var inPipe: [Int32] = [-1, -1], outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        // Close-on-exec, so the plugin inherits only the ends dup2'd onto 0, 1 and 2.
        guard pipe(&inPipe) == 0, pipe(&outPipe) == 0, pipe(&errPipe) == 0 else {
            throw SpawnError(message: "cannot create pipes: \(String(cString: strerror(errno)))")
        }
        for fd in inPipe + outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        close(inPipe[0]); close(outPipe[1]); close(errPipe[1])
        guard spawned == 0 else {
            close(inPipe[1]); close(outPipe[0]); close(errPipe[0])
            throw SpawnError(message: "cannot run \(executable): \(String(cString: strerror(spawned)))")
        }
        for fd in [inPipe[1], outPipe[0], errPipe[0]] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }

        let deadline = now() + timeout
        var stdinFD: Int32 = input.isEmpty ? -1 : inPipe[1]
        if stdinFD < 0 { close(inPipe[1]) }
        var stdoutFD = outPipe[0], stderrFD = errPipe[0]
        var written = 0
        var stdout: [UInt8] = [], stderr: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var killedFor: Termination?

        func finishStdin() { if stdinFD >= 0 { close(stdinFD); stdinFD = -1 } }
        func readSome(_ fd: inout Int32, into sink: inout [UInt8]) -> Int {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { sink += buffer[0..<n]; return n }
            if n == 0 || (errno != EAGAIN && errno != EINTR) { close(fd); fd = -1 }
            return 0
        }

        while stdoutFD >= 0 || stderrFD >= 0 {
            let remaining = deadline - now()
            if remaining <= 0 { killedFor = .timedOut; break }
            var fds: [pollfd] = []
            if stdinFD >= 0 { fds.append(pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)) }
            if stdoutFD >= 0 { fds.append(pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)) }
            if stderrFD >= 0 { fds.append(pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(remaining * 1000 + 1, 1000)))
            if ready < 0 && errno != EINTR { break }
            for entry in fds where entry.revents != 0 {
                if entry.fd == stdinFD {
                    if entry.revents & Int16(POLLOUT) != 0 {
                        let n = input.withUnsafeBytes { write(stdinFD, $0.baseAddress! + written, min($0.count - written, 1 << 16)) }
                        if n > 0 { written += n } else if errno != EAGAIN && errno != EINTR { finishStdin() }
                        if written == input.count { finishStdin() }
                    } else {
                        finishStdin() // POLLERR/POLLHUP: the plugin closed its stdin
                    }
                } else if entry.fd == stdoutFD {
                    _ = readSome(&stdoutFD, into: &stdout)
                    if stdout.count > maxStdout { killedFor = .oversized; break }
                } else if entry.fd == stderrFD {
                    _ = readSome(&stderrFD, into: &stderr)
                    if stderr.count > 2 * stderrKeep { stderr.removeFirst(stderr.count - stderrKeep) }
                }
            }
            if killedFor != nil { break }
        }

        // Both output pipes are closed (or the host gave up): wait for the exit, up to the deadline.
        var status: Int32 = 0
        var reaped = false
        while killedFor == nil {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { reaped = true; break }
            if result < 0 && errno != EINTR { break }
            if now() >= deadline { killedFor = .timedOut; break }
            usleep(2_000)
        }
        if !reaped {
            kill(-pid, SIGKILL)
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        finishStdin()
        for fd in [stdoutFD, stderrFD] where fd >= 0 { close(fd) }
        if stderr.count > stderrKeep { stderr.removeFirst(stderr.count - stderrKeep) }

        let termination: Termination
        if let killedFor {
            termination = killedFor
        } else if status & 0x7f == 0 {
            termination = .exited((status >> 8) & 0xff)
        } else {
            termination = .signalled(status & 0x7f)
        }
        return Outcome(termination: termination, stdout: Array(stdout.prefix(maxStdout)), stderr: stderr)
    }

    /// Monotonic seconds.
    private static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
