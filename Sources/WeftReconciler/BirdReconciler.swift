import Foundation
import Synchronization
import WeftModel
import WeftStore
import WeftSystem

/// eBGP: BIRD 2 as a child of the daemon, configured from the store. A new configuration
/// is written to a candidate file, checked with `bird -p`, then moved into place and
/// loaded with `birdc configure`; a configuration BIRD refuses leaves the running one.
/// BIRD runs while there is at least one peer.
public final class BirdReconciler: SubsystemReconciler {
    public let name = "bgp"
    public let control: BirdControl
    let process: ManagedProcess
    private let routerID = Mutex("")
    private let clientSource = Mutex<(@Sendable () -> [String])?>(nil)

    /// Where the connected clients come from (announced to the mesh as /32s).
    public func setClientSource(_ source: @escaping @Sendable () -> [String]) { clientSource.withLock { $0 = source } }

    public init(runner: any CommandRunner, directory: String, runtime: String = "/run/weft") {
        control = BirdControl(directory: directory, runtime: runtime, runner: runner)
        process = ManagedProcess(tool: "bird", arguments: control.processArguments)
    }

    public func setRouterID(_ address: String) { routerID.withLock { $0 = address } }

    public var isRunning: Bool { process.isRunning }

    /// This controller's ASN: its topology's entry for its peer id, else 65000.
    public static func asn(_ desired: DesiredState) -> Int {
        desired.topology?.asn(peerID: desired.peering.id ?? 1) ?? 65000
    }

    /// The other controllers to run BGP with, over the peering links.
    public static func mesh(_ desired: DesiredState) -> [BirdConfig.MeshPeer] {
        PeeringReconciler.plan(desired).map { link in
            BirdConfig.MeshPeer(id: link.peerID, address: link.remoteAddress, device: link.device,
                                asn: desired.topology?.asn(peerID: link.peerID) ?? 65000)
        }
    }

    /// The configuration for `desired` (nil when there are neither eBGP peers nor mesh peers).
    public func render(_ desired: DesiredState) -> String? {
        let peers = BirdConfig.peers(desired.ipsec, asn: Self.asn(desired))
        let mesh = Self.mesh(desired)
        guard !peers.isEmpty || !mesh.isEmpty else { return nil }
        let advertised = desired.routes.routes.filter { $0.enabled && $0.advertise }.compactMap(\.network)
        let id = routerID.withLock { $0 }
        let clients = mesh.isEmpty ? [] : (clientSource.withLock { $0 }?() ?? []).sorted()
        return BirdConfig.render(routerID: id.isEmpty ? "192.0.2.1" : id, advertised: advertised, peers: peers, log: control.log,
                                 mesh: mesh, localASN: Self.asn(desired), clients: clients)
    }

    public func reconcile(_ desired: DesiredState, apply: Bool) async throws -> [Change] {
        let wanted = render(desired)
        let present = try? String(contentsOfFile: control.config, encoding: .utf8)
        let running = process.isRunning
        var changes: [Change] = []
        guard let wanted else {
            if running {
                changes.append(Change(name, "stop bird (no eBGP peers)"))
                if apply { process.stop() }
            }
            return changes
        }
        let peers = BirdConfig.peers(desired.ipsec, asn: Self.asn(desired)).count
        if wanted != present { changes.append(Change(name, "bird.conf: \(peers) eBGP peer(s), \(Self.mesh(desired).count) mesh peer(s)")) }
        if !running { changes.append(Change(name, "start bird")) }
        guard apply, !changes.isEmpty else { return apply ? [] : changes }

        try FileManager.default.createDirectory(atPath: control.directory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: control.runtime, withIntermediateDirectories: true)
        if wanted != present {
            let candidate = control.config + ".new"
            try OpenVPNReconciler.write(wanted, to: candidate, mode: 0o600)
            try await control.check(candidate)
            guard rename(candidate, control.config) == 0 else { throw SystemError.io("rename \(candidate): \(String(cString: strerror(errno)))") }
            if running { try await control.configure() }
        }
        if !running {
            try? FileManager.default.removeItem(atPath: control.socket)
            try process.start(log: control.directory + "/bird.out")
            var answered = false
            for _ in 0..<100 {
                if (try? await control.birdc(["show", "status"])) != nil { answered = true; break }
                guard process.isRunning else { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            guard answered else {
                let output = (try? String(contentsOfFile: control.directory + "/bird.out", encoding: .utf8)) ?? ""
                process.stop()
                throw SystemError.io("bird did not come up: \(output.split(separator: "\n").suffix(3).joined(separator: " | "))")
            }
        }
        return changes
    }

    public func shutdown() async { process.stop() }
}
