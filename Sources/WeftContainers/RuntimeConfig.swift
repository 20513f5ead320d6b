#if !FUZZING
import WeftModel

/// The OCI runtime `config.json` crun runs a container with: its own mount, PID, network
/// (the prepared namespace at `networkPath`), IPC and UTS namespaces; the default OCI
/// capability set plus what the operator asked for; `no_new_privs`; a seccomp profile;
/// memory and PID limits; a read-only /sys, a private /dev and /proc, nothing else of the host.
public struct RuntimeConfig: Sendable {
    /// The capabilities containers get without asking (Docker's / the OCI default set).
    public static let defaultCapabilities = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID",
        "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ]
    /// Capabilities an operator may add at start (the rest are never granted).
    public static let grantable = ["CAP_NET_ADMIN", "CAP_NET_BROADCAST", "CAP_SYS_PTRACE", "CAP_SYS_NICE", "CAP_SYS_TIME", "CAP_IPC_LOCK", "CAP_SYS_RESOURCE"]

    /// System calls refused with EPERM whatever the capabilities (kernel modules, kexec,
    /// reboot, namespaces, keyrings, BPF, perf, handle-based opens, clock changes, swap, accounting).
    public static let deniedSyscalls = [
        "acct", "add_key", "bpf", "clock_adjtime", "clock_settime", "create_module", "delete_module", "finit_module",
        "get_kernel_syms", "get_mempolicy", "init_module", "ioperm", "iopl", "kcmp", "kexec_file_load", "kexec_load",
        "keyctl", "lookup_dcookie", "mbind", "mount", "move_pages", "name_to_handle_at", "nfsservctl", "open_by_handle_at",
        "perf_event_open", "personality", "pivot_root", "process_vm_readv", "process_vm_writev", "ptrace", "query_module",
        "quotactl", "reboot", "request_key", "set_mempolicy", "setns", "settimeofday", "swapoff", "swapon", "sysfs",
        "syslog", "umount", "umount2", "unshare", "uselib", "userfaultfd", "ustat", "vm86", "vm86old",
    ]

    public var id: String
    public var hostname: String
    public var args: [String]
    public var env: [String]
    public var cwd: String
    public var networkPath: String
    public var memoryLimit: Int
    public var pidsLimit: Int
    public var extraCapabilities: [String]
    /// cgroupfs path, e.g. "/weft/<id>".
    public var cgroupsPath: String
    /// The process's user and group (USER of the image; 0 = root).
    public var uid = 0
    public var gid = 0

    public init(id: String, hostname: String, args: [String], env: [String], cwd: String, networkPath: String,
                memoryLimit: Int, pidsLimit: Int, extraCapabilities: [String] = [], cgroupsPath: String) {
        self.id = id
        self.hostname = hostname
        self.args = args
        self.env = env
        self.cwd = cwd
        self.networkPath = networkPath
        self.memoryLimit = memoryLimit
        self.pidsLimit = pidsLimit
        self.extraCapabilities = extraCapabilities
        self.cgroupsPath = cgroupsPath
    }

    /// The argv a container runs: the request's command, else the image's entrypoint + cmd.
    public static func arguments(command: [String]?, image: ImageConfig) -> [String] {
        if let command, !command.isEmpty { return image.entrypoint.isEmpty ? command : image.entrypoint + command }
        return image.entrypoint + image.cmd
    }

    public var capabilities: [String] { Self.defaultCapabilities + extraCapabilities.filter { !Self.defaultCapabilities.contains($0) } }

    public func render() -> String {
        func strings(_ list: [String]) -> JSONValue { .array(list.map(JSONValue.string)) }
        let caps = strings(capabilities)
        let env = self.env.contains { $0.hasPrefix("PATH=") } ? self.env : ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] + self.env
        let process: JSONValue = [
            "terminal": false,
            "user": ["uid": .int(uid), "gid": .int(gid)],
            "args": strings(args),
            "env": strings(env),
            "cwd": .string(cwd.isEmpty ? "/" : cwd),
            "capabilities": ["bounding": caps, "effective": caps, "permitted": caps],
            "noNewPrivileges": true,
        ]
        let mounts: JSONValue = [
            ["destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]],
            ["destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]],
            ["destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]],
            ["destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]],
            ["destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]],
            ["destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]],
            ["destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=1777", "size=65536k"]],
        ]
        let seccomp: JSONValue = [
            "defaultAction": "SCMP_ACT_ALLOW",
            "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64"],
            "syscalls": [["names": strings(Self.deniedSyscalls), "action": "SCMP_ACT_ERRNO", "errnoRet": 1]],
        ]
        let linux: JSONValue = [
            // No network path: a fresh network namespace with loopback only (build containers).
            "namespaces": [["type": "pid"], networkPath.isEmpty ? ["type": "network"] : ["type": "network", "path": .string(networkPath)],
                           ["type": "ipc"], ["type": "uts"], ["type": "mount"]],
            "cgroupsPath": .string(cgroupsPath),
            "resources": ["memory": ["limit": .int(memoryLimit), "swap": .int(memoryLimit)], "pids": ["limit": .int(pidsLimit)]],
            "seccomp": seccomp,
            "maskedPaths": ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                            "/proc/sched_debug", "/proc/scsi", "/sys/firmware"],
            "readonlyPaths": ["/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
        ]
        let config: JSONValue = [
            "ociVersion": "1.0.2",
            "process": process,
            "root": ["path": "rootfs", "readonly": false],
            "hostname": .string(hostname),
            "mounts": mounts,
            "linux": linux,
        ]
        return JSONWriter.string(config)
    }
}
#endif
