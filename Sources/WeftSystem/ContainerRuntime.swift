import Foundation

/// OCI containers: run a prepared bundle detached, ask whether it runs, stop and remove it.
public protocol ContainerRuntime: Sendable {
    /// Starts the bundle (config.json + rootfs, or an overlay of `lowerDirectories`
    /// mounted on `bundle/rootfs` first); stdout and stderr go to `logPath`. Returns the PID.
    func start(id: String, bundle: String, lowerDirectories: [String]?, logPath: String) async throws -> Int32
    /// The PID of the container's init when it is running, else nil.
    func runningPID(id: String) async -> Int32?
    /// Stops (SIGTERM, then SIGKILL after `grace`) and deletes the container; absent is fine.
    func remove(id: String, grace: Duration) async throws
}

/// crun, with its state under `root` (one directory per controller). On hybrid cgroup hosts
/// (memory and pids on v1, an empty v2 at /sys/fs/cgroup/unified) crun 1.8 refuses to run, so
/// every call runs in a private mount namespace with the v2 mount removed and
/// `--cgroup-manager=cgroupfs`: pure v1 for crun, limits applied. On pure v2 hosts nothing is unmounted.
public struct CrunRuntime: ContainerRuntime {
    let runner: any CommandRunner
    let root: String

    public init(runner: any CommandRunner, root: String) {
        self.runner = runner
        self.root = root
    }

    /// The shell prelude, run in the private mount namespace: a cgroup view crun accepts.
    /// Pure v2: as it is. Hybrid (v1 controllers plus an empty v2 at unified): the v2 mount
    /// goes. No cgroups mounted at all (`ip netns exec` mounts a fresh /sys): the host's
    /// hierarchies as /proc/self/cgroup lists them are mounted again (v1 ones; v2 only
    /// when there is no v1 controller).
    static let prelude = """
        if [ -f /sys/fs/cgroup/cgroup.controllers ]; then :
        elif [ -d /sys/fs/cgroup/memory ]; then umount /sys/fs/cgroup/unified 2>/dev/null || true
        else
          mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup || exit 91
          v1=0
          for h in $(cut -d: -f2 /proc/self/cgroup); do
            [ -n "$h" ] || continue
            v1=1; d=${h#name=}; o=$h
            case $h in name=*) o="none,$h";; esac
            mkdir -p "/sys/fs/cgroup/$d" && mount -t cgroup -o "$o" cgroup "/sys/fs/cgroup/$d" || exit 92
          done
          [ $v1 = 1 ] || { umount /sys/fs/cgroup; mount -t cgroup2 cgroup2 /sys/fs/cgroup || exit 93; }
        fi

        """

    func crun(_ arguments: [String]) -> [String] {
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", Self.prelude + "exec crun \"$@\"", "sh",
         "--root", root, "--cgroup-manager=cgroupfs"] + arguments
    }

    public func start(id: String, bundle: String, lowerDirectories: [String]?, logPath: String) async throws -> Int32 {
        let pidFile = bundle + "/pid"
        try? FileManager.default.removeItem(atPath: pidFile)
        var script = Self.prelude
        var arguments: [String] = [logPath, root, bundle, id, pidFile]
        if let lowerDirectories {
            // Mounted inside this namespace: the container's mount namespace keeps it alive.
            script += "mount -t overlay overlay -o \"lowerdir=$6,upperdir=$7,workdir=$8\" \"$3/rootfs\" || exit 90; "
            arguments += [lowerDirectories.joined(separator: ":"), bundle + "/upper", bundle + "/work"]
        }
        script += "exec crun --root \"$2\" --cgroup-manager=cgroupfs run --detach --bundle \"$3\" --pid-file \"$5\" \"$4\" </dev/null >>\"$1\" 2>&1"
        let result = try await runner.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"] + arguments, stdin: nil)
        guard result.status == 0 else {
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)).map { String($0.suffix(400)) } ?? ""
            throw SystemError.command(["crun", "run", id], status: result.status, stderr: result.stderr + log)
        }
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw SystemError.io("crun started \(id) but wrote no pid file")
        }
        return pid
    }

    public func runningPID(id: String) async -> Int32? {
        guard let result = try? await runner.run(crun(["state", id]), stdin: nil), result.status == 0 else { return nil }
        guard result.stdout.contains("\"status\": \"running\"") || result.stdout.contains("\"status\":\"running\"") else { return nil }
        guard let range = result.stdout.range(of: "\"pid\":") else { return nil }
        let digits = result.stdout[range.upperBound...].drop { $0 == " " }.prefix { $0.isNumber }
        return Int32(digits)
    }

    public func remove(id: String, grace: Duration) async throws {
        if await runningPID(id: id) != nil {
            _ = try? await runner.run(crun(["kill", id, "TERM"]), stdin: nil)
            let deadline = ContinuousClock.now + grace
            while ContinuousClock.now < deadline, await runningPID(id: id) != nil {
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        let result = try await runner.run(crun(["delete", "--force", id]), stdin: nil)
        if result.status != 0 && !result.stderr.contains("does not exist") && !result.stderr.contains("No such file") {
            throw SystemError.command(["crun", "delete", "--force", id], status: result.status, stderr: result.stderr)
        }
    }
}
