import Crypto
import WeftModel
import WeftStore

/// The topology a licence-parameters request asks for: VNS3's default, or the operator's.
public struct TopologyChoice: Sendable {
    public var useDefault: Bool
    public var subnet, managers, asns, clients, managerVIP: String?
    public init(useDefault: Bool = false, subnet: String? = nil, managers: String? = nil, asns: String? = nil,
                clients: String? = nil, managerVIP: String? = nil) {
        self.useDefault = useDefault
        self.subnet = subnet
        self.managers = managers
        self.asns = asns
        self.clients = clients
        self.managerVIP = managerVIP
    }
}

/// A change of the operator-editable identity (`PUT /api/config`); nil fields stay.
public struct SettingsChange: Sendable {
    public var topologyName, controllerName, ntpHosts, publicIP: String?
    public init(topologyName: String? = nil, controllerName: String? = nil, ntpHosts: String? = nil, publicIP: String? = nil) {
        self.topologyName = topologyName
        self.controllerName = controllerName
        self.ntpHosts = ntpHosts
        self.publicIP = publicIP
    }
}

/// The first-start operations, shared by the API (`PUT /api/license`,
/// `PUT /api/license/parameters`, `PUT /api/keyset`, `PUT /api/peering/self`,
/// `PUT /api/config {public_ipaddress}`) and the web UI's setup page. Each validates,
/// then commits one transaction with an audit row; a refusal changes nothing.
extension Controller {
    /// Stores the licence text. Refused once the parameters are accepted.
    @discardableResult
    public func uploadLicense(_ bytes: [UInt8], actor: String?) throws -> LicenseState {
        guard let text = String(validating: bytes, as: UTF8.self), !text.trimmed.isEmpty else {
            throw ValidationError(.argument, "The licence must be sent as non-empty UTF-8 text (Content-Type: text/plain)")
        }
        if snapshot.license?.finalized == true {
            throw ValidationError(.state, name: "LicenseError", "The licence parameters are already accepted; the topology cannot be changed on this controller.")
        }
        let sha1 = Hex.encode(Insecure.SHA1.hash(data: bytes))
        let license = LicenseState(text: text, sha1: sha1, uploadedAt: Store.now())
        try commit(actor, "license.upload", detail: "sha1 \(sha1)") { db in try Store.set(.license, license, in: db) }
        return license
    }

    /// The topology `choice` names, validated.
    public static func topology(_ choice: TopologyChoice) throws -> Topology {
        if choice.useDefault {
            let given = [("subnet", choice.subnet), ("managers", choice.managers), ("asns", choice.asns),
                         ("clients", choice.clients), ("my_manager_vip", choice.managerVIP)]
            if let field = given.first(where: { $0.1 != nil })?.0 {
                throw ValidationError(field: field, "Field \"\(field)\" conflicts with \"default\": true (the default topology is fixed)")
            }
            return .default
        }
        return try Topology.fromParameters(subnet: choice.subnet, managers: choice.managers, asns: choice.asns,
                                           clients: choice.clients, managerVIP: choice.managerVIP)
    }

    /// Applies a settings change, each field checked first.
    public func changeSettings(_ change: SettingsChange, actor: String?) throws {
        var settings = snapshot.controller
        if let name = change.topologyName { settings.topologyName = try SettingsCheck.name(name, field: "topology_name") }
        if let name = change.controllerName { settings.controllerName = try SettingsCheck.name(name, field: "controller_name") }
        if let hosts = change.ntpHosts { settings.ntpHosts = try SettingsCheck.ntpHosts(hosts) }
        if let address = change.publicIP { settings.publicIP = try SettingsCheck.publicIP(address) }
        try storeSettings(settings, actor: actor)
    }

    /// Accepts the licence parameters (irreversible), then restarts, as VNS3 reboots.
    public func acceptLicenseParameters(_ topology: Topology, actor: String?) throws {
        guard var license = snapshot.license else { throw SettingsCheck.mustBeLicensed }
        guard !license.finalized else {
            throw ValidationError(.state, name: "LicenseError", "The licence parameters are already accepted; they cannot be changed.")
        }
        license.topology = topology
        license.finalizedAt = Store.now()
        try commit(actor, "license.parameters", detail: "subnet \(topology.subnet), \(topology.managers.count) controllers, \(topology.clients.count) clients") { db in
            try Store.set(.license, license, in: db)
        }
        restart.request(reason: "licence parameters accepted")
    }

    /// Generates the keyset (a strong `token` is required) or fetches it from `source`;
    /// returns when the job started. `topologyName`, if given and new, is stored too.
    public func startKeyset(token: String, source: String?, topologyName: String?, actor: String?) throws -> Int {
        guard !token.isEmpty else { throw ValidationError(.argument, "Field \"token\" must not be empty") }
        guard token.count <= KeysetToken.maximumLength else {
            throw ValidationError(.argument, "Field \"token\" is longer than \(KeysetToken.maximumLength) characters")
        }
        if let source { try SettingsCheck.keysetSource(source) }
        let state = snapshot
        guard state.licensed else { throw SettingsCheck.mustBeLicensed }
        guard let topology = state.topology else {
            throw ValidationError(.state, name: "LicenseError", "The licence parameters must be accepted first (must be licensed and finalized).")
        }
        // A new keyset's token must be strong (a fetch uses the source's token as it is).
        if source == nil, state.keyset == nil { try KeysetToken.checkNew(token) }
        let actor = actor ?? "api"
        let job: KeysetService.Job = source.map { .fetch(source: $0, token: token, actor: actor) }
            ?? .generate(token: token, topology: topology, topologyName: topologyName ?? state.controller.topologyName, actor: actor)
        let startedAt: Int
        switch keysets.start(job) {
        case .success(let time): startedAt = time
        case .failure(.inProgress): throw ValidationError(.state, name: "KeysetInProgress", "Keyset setup in progress.")
        case .failure(.exists): throw ValidationError(.state, name: "KeysetExists", "Keyset already exists.")
        }
        if let topologyName, topologyName != state.controller.topologyName {
            var settings = state.controller
            settings.topologyName = topologyName
            try commit(actor, "config.update") { db in try Store.set(.controller, settings, in: db) }
        }
        return startedAt
    }

    /// This controller's place in the mesh (1 … the number of controllers in the topology).
    public func setPeerID(_ id: Int, force: Bool, actor: String?) throws {
        let state = snapshot
        guard let topology = state.topology else { throw SettingsCheck.mustBeLicensed }
        guard (1...topology.managers.count).contains(id) else {
            throw ValidationError(.argument, "Field \"id\": peer id must be between 1 and \(topology.managers.count), the number of controllers in the topology")
        }
        if let current = state.peering.id, current != id, !force {
            throw ValidationError(.conflict, "This controller already has peer id \(current); send \"force\": true to change it.")
        }
        guard state.peering.id != id else { return }
        try commit(actor, "peering.self", detail: "id \(id)") { db in
            try Store.set(.peering, PeeringSelf(id: id), in: db)
        }
    }

    /// Updates the operator-editable identity; the audit row names each changed field.
    func storeSettings(_ settings: ControllerSettings, actor: String?) throws {
        let old = snapshot.controller
        guard settings != old else { return }
        var changes: [String] = []
        if settings.topologyName != old.topologyName { changes.append("topology_name \"\(old.topologyName)\" → \"\(settings.topologyName)\"") }
        if settings.controllerName != old.controllerName { changes.append("controller_name \"\(old.controllerName)\" → \"\(settings.controllerName)\"") }
        if settings.ntpHosts != old.ntpHosts { changes.append("ntp_hosts \"\(old.ntpHosts)\" → \"\(settings.ntpHosts)\"") }
        if settings.publicIP != old.publicIP { changes.append("public_ipaddress \(old.publicIP ?? "default") → \(settings.publicIP ?? "default")") }
        try commit(actor, "config.update", detail: changes.joined(separator: "; ")) { db in try Store.set(.controller, settings, in: db) }
    }
}
