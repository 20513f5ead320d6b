import WeftModel
import WeftStore

/// Clientpack writes over many packs at once: `POST /api/clientpacks/next_available`,
/// `PUT /api/clientpacks`, `POST /api/clientpacks/add_clientpacks`. (One pack's state and
/// tags: `ClientpackChanges.swift`.)
extension Controller {
    /// A random id for an asynchronous task (`GET /api/status/task?token=`).
    public static func taskToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<16).map { _ in "0123456789abcdef".randomElement(using: &generator)! })
    }

    /// Checks out the first pack in `low…high` that is not checked out (and enabled, unless
    /// `includeDisabled`); returns its address, index and new state.
    public func checkOutNextClientpack(low: String?, high: String?, includeDisabled: Bool,
                                       actor: String?) throws -> (IPv4Address, Int, ClientpackState) {
        let topology = try Self.clientTopology(snapshot)
        func address(_ text: String?, _ field: String, _ fallback: IPv4Address) throws -> IPv4Address {
            guard let text else { return fallback }
            guard let address = IPv4Address(text) else {
                throw ValidationError(field: field, "Field \"\(field)\" must be an IPv4 address, got \"\(text)\"")
            }
            return address
        }
        let low = try address(low, "low_ip", topology.clients.first!)
        let high = try address(high, "high_ip", topology.clients.last!)
        guard low.value <= high.value else { throw ValidationError(.argument, "Empty range: low_ip \(low) is above high_ip \(high)") }
        // Chosen inside the transaction: two requests at once never check out the same pack.
        let result = try commitClientpacks(actor, "clientpack.next_available", detail: "\(low)-\(high)") { packs, _ in
            guard let (index, found) = topology.clients.enumerated().first(where: { _, address in
                let state = packs.state(address.description)
                return (low.value...high.value).contains(address.value) && !state.checkedOut && (state.enabled || includeDisabled)
            }) else {
                throw ValidationError(.notFound, "No clientpack left between \(low) and \(high) that is not checked out")
            }
            var pack = packs.state(found.description)
            pack.checkedOut = true
            packs.byAddress[found.description] = pack
            return (found, index, pack)
        }
        return result.value
    }

    /// Sets every pack's enabled and/or checked-out flag and identity fields (owner,
    /// description, expiry); with `asynchronous`, returns the token of the (already
    /// finished) task the SDK polls. Client groups follow through the reconcile pass.
    public func updateAllClientpacks(enabled: Bool?, checkedOut: Bool?, identity: ClientpackIdentity.Change = .init(),
                                     asynchronous: Bool, actor: String?) throws -> String? {
        let identity = try identity.validated()
        let topology = try Self.clientTopology(snapshot)
        let token = "\(Store.now())_\(Self.taskToken())"
        _ = try commitClientpacks(actor, "clientpacks.update",
                                  detail: "all: " + [enabled.map { "enabled=\($0)" }, checkedOut.map { "checked_out=\($0)" },
                                                     identity.isEmpty ? nil : identity.summary].compactMap { $0 }.joined(separator: " ")) { packs, db in
            for address in topology.clients {
                var pack = identity.applied(to: packs.state(address.description))
                if let enabled { pack.enabled = enabled }
                if let checkedOut { pack.checkedOut = checkedOut }
                packs.byAddress[address.description] = pack
            }
            if asynchronous { try Store.createTask(token: token, kind: "clientpacks.update", in: db) }
        }
        guard asynchronous else { return nil }
        try store.finishTask(token: token, ok: true, message: "\(topology.clients.count) clientpacks updated")
        return token
    }

    /// Every client address of the topology already has its clientpack (made with the
    /// keyset): the request is checked and recorded as a finished task; returns its token.
    public func addClientpacks(requestedIPs text: String, actor: String?) throws -> String {
        let topology = try Self.clientTopology(snapshot)
        var addresses: [IPv4Address] = []
        for word in text.split(separator: ",").map({ $0.trimmed }).filter({ !$0.isEmpty }) {
            guard let address = IPv4Address(word) else { throw ValidationError(field: "requested_ips", "requested_ips: \"\(word)\" is not an IPv4 address") }
            guard topology.subnet.contains(address) else {
                throw ValidationError(field: "requested_ips", "requested_ips: \(address) is outside the overlay \(topology.subnet)")
            }
            guard topology.clients.contains(address) else {
                throw ValidationError(field: "requested_ips", "requested_ips: \(address) is a controller or reserved address of the topology, not a client address")
            }
            addresses.append(address)
        }
        guard !addresses.isEmpty else { throw ValidationError(field: "requested_ips", "Field \"requested_ips\" is empty") }
        let token = "\(Store.now())_\(Self.taskToken())"
        try commit(actor, "clientpacks.add", detail: addresses.map(\.description).joined(separator: ",")) { db in
            try Store.createTask(token: token, kind: "clientpacks.add", in: db)
        }
        try store.finishTask(token: token, ok: true, message: "\(addresses.count) clientpack(s) present")
        return token
    }
}
