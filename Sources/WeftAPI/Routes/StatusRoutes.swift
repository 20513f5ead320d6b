import Foundation
import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel
import WeftReconciler
import WeftStore

/// `GET /api/status`, `/api/status/system`, `/api/status/task`, and Weft's `/api/audit`.
struct StatusRoutes {
    let controller: Controller

    func register(_ api: APIGroup) {
        api.get("status", use: status)
        api.get("status/system", use: system)
        api.get("status/task", use: task)
        api.get("audit", use: audit)
    }

    @Sendable func status(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let state = controller.snapshot
        let board = controller.reconciler.board
        var subsystems = JSONObject()
        for status in board.all {
            subsystems[status.name] = [
                "status": .string(status.state.rawValue),
                "desired_generation": .int(status.desiredGeneration),
                "applied_generation": .optional(status.appliedGeneration),
                "message": .string(status.message),
                "last_changes": .array(status.lastChanges.map { .string($0) }),
                "updated_at_i": .int(status.updatedAt),
            ]
        }
        // Who is connected (overlay clients with their protocol), which remote subnets are
        // reachable, and each tunnel's state.
        var clients = JSONObject()
        for (address, protocolName) in (controller.clientWatcher?.connected ?? [:]).sorted(by: { $0.key < $1.key }) {
            clients[address] = ["protocol": .string(protocolName)]
        }
        let live = controller.ipsec?.liveTunnels() ?? [:]
        var tunnels = JSONObject()
        var subnets: [JSONValue] = []
        for endpoint in state.ipsec.endpoints {
            for tunnel in endpoint.tunnels {
                let connected = live[tunnel.id]?.connected ?? false
                tunnels[String(tunnel.id)] = ["endpoint_id": .int(endpoint.id), "connected": .bool(connected), "enabled": .bool(tunnel.enabled)]
                if connected, let network = IPv4Network(tunnel.remoteSubnet) {
                    subnets.append(.array([.string(network.network.description), .string(network.netmask.description)]))
                }
            }
        }
        return Reply.ok([
            "connected_clients": .object(clients),
            "connected_subnets": .array(subnets),
            "ipsec": .object(tunnels),
            "weft": [
                "version": .string(WeftVersion.weft),
                "generation": .int(state.generation),
                "apply": .bool(board.applying),
                "mode": .string(board.applying ? "apply" : "no-apply: the API and planning run, the OS is never touched"),
                "subsystems": .object(subsystems),
            ],
        ])
    }

    @Sendable func system(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        if let text = request.query("timestamp"), Int(text) == nil {
            throw APIError.argument("Query \"timestamp\" must be an integer (unix time)")
        }
        return Reply.ok(SystemStatus.collect(dataDirectory: controller.options.dataDirectory))
    }

    @Sendable func task(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        guard let token = request.query("token"), !token.isEmpty else {
            throw APIError.argument("Query \"token\" is required")
        }
        guard let task = try controller.store.task(token: token) else { throw APIError.notFound("No task with token \(token)") }
        return Reply.ok(["task_status": .string(task.status.rawValue), "kind": .string(task.kind), "message": .string(task.message)])
    }

    @Sendable func audit(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let limit = min(max(try request.queryInt("limit") ?? 200, 1), 1000)
        let entries = try controller.store.audit(limit: limit)
        return Reply.ok(.array(entries.map { entry in
            ["id": .int(entry.id), "at": .string(Timestamps.iso8601(entry.at)), "at_i": .int(entry.at),
             "actor": .string(entry.actor), "action": .string(entry.action), "detail": .string(entry.detail),
             "generation": .int(entry.generation)]
        }))
    }

}

/// Host figures for `GET /api/status/system`, read from /proc and statvfs.
enum SystemStatus {
    static func collect(dataDirectory: String) -> JSONValue {
        let now = Store.now()
        var uname = utsname()
        _ = Foundation.uname(&uname)
        let kernel = withUnsafeBytes(of: &uname.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let uptime = (read("/proc/uptime")?.split(separator: " ").first).flatMap { Double($0) }.map { Int($0) } ?? 0
        let loadavg = (read("/proc/loadavg")?.split(separator: " ").prefix(5).map { JSONValue.string(String($0)) }) ?? []
        let meminfo = meminfoFields()
        var disk: [JSONValue] = []
        var stats = statvfs()
        if statvfs(dataDirectory, &stats) == 0 {
            let block = UInt64(stats.f_frsize)
            let total = UInt64(stats.f_blocks) * block, avail = UInt64(stats.f_bavail) * block
            let used = total - UInt64(stats.f_bfree) * block
            let percent = total > 0 ? Int((Double(used) / Double(total) * 100).rounded()) : 0
            disk.append([.string(dataDirectory), .string(String(total / 1024)), .string(String(used / 1024)),
                         .string(String(avail / 1024)), .string("\(percent)%"), .string(dataDirectory), .string("")])
        }
        return [
            "vns3_version": .string("Weft \(WeftVersion.weft) (VNS3-compatible API \(WeftVersion.vns3Compatible))"),
            "kernel_version": .string(kernel),
            "uptime": .int(uptime),
            "timestamp": .string(Timestamps.vns3(now)),
            "timestamp_i": .int(now),
            "loadavg": .array(loadavg),
            "diskinfo": .array(disk),
            "meminfo": .array(["MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "Active", "Inactive", "Shmem"].map {
                .string(meminfo[$0] ?? "0")
            }),
            "swapinfo": .array(["SwapTotal", "SwapFree", "SwapCached"].map { .string(meminfo[$0] ?? "0") }),
            "data": ["sysstat": .array([])],
            "container_system": [
                "container_system_running": false, "images_limit": 0, "images_stored": 0,
                "containers_limit": 0, "containers_active": 0, "container_network": "",
            ],
        ]
    }

    static func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    static func meminfoFields() -> [String: String] {
        var fields: [String: String] = [:]
        for line in (read("/proc/meminfo") ?? "").split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = parts[1].trimmed }
        }
        return fields
    }
}
