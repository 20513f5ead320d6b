import WeftModel

/// Snapshots as `GET /api/snapshots` shapes them.
public enum SnapshotView {
    public static func present(_ info: Controller.SnapshotInfo) -> JSONValue {
        [
            "sha1_checksum": .string(info.sha1),
            "created_at": .string(Timestamps.iso8601(info.createdAt)), "created_at_i": .int(info.createdAt),
            "size": .int(info.size), "status": "ready",
        ]
    }

    public static func list(_ controller: Controller) -> JSONValue {
        var snapshots = JSONObject()
        var latest: (String, Int)?
        for (name, info) in controller.snapshots() {
            snapshots[name] = present(info)
            if info.createdAt >= latest?.1 ?? Int.min { latest = (name, info.createdAt) }
        }
        return ["latest_snapshot": .string(latest?.0 ?? ""), "snapshots": .object(snapshots)]
    }
}
