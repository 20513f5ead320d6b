import WeftModel

/// The bridge between the mesh state and a controller's own clientpack states: a local
/// write becomes stamped field changes; a merged mesh state becomes the states the data
/// plane enforces.
extension MeshState {
    /// The field changes that turn `before` into `after` for one pack.
    public static func changes(from before: ClientpackState, to after: ClientpackState) -> [PackChange] {
        var changes: [PackChange] = []
        if before.enabled != after.enabled { changes.append(.enabled(after.enabled)) }
        if before.checkedOut != after.checkedOut { changes.append(.checkedOut(after.checkedOut)) }
        if before.tags != after.tags { changes.append(.tags(after.tags)) }
        if before.owner != after.owner { changes.append(.owner(after.owner)) }
        if before.description != after.description { changes.append(.description(after.description)) }
        if before.expiresAt != after.expiresAt { changes.append(.expiresAt(after.expiresAt)) }
        return changes
    }

    /// Records a local write of the clientpack states (`before` → `after`), every changed
    /// field stamped by `clock`, and any newly revoked certificate. Returns whether
    /// anything changed. Only the packs that changed are visited when `addresses` names them.
    @discardableResult
    public mutating func record(from before: ClientpackStates, to after: ClientpackStates, addresses: [String]? = nil,
                                clock: inout HybridClock, physical: Int64) -> Bool {
        var changed = false
        for address in addresses ?? Array(Set(before.byAddress.keys).union(after.byAddress.keys)).sorted() {
            for change in Self.changes(from: before.state(address), to: after.state(address)) {
                apply(change, to: address, clock: &clock, physical: physical)
                changed = true
            }
        }
        let known = Set(before.revoked.map(\.serial))
        for revoked in after.revoked where !known.contains(revoked.serial) {
            let address = ClientpackName.address(revoked.name)?.description ?? revoked.name
            apply(.revoked(serial: revoked.serial), to: address, clock: &clock, physical: physical)
            changed = true
        }
        return changed
    }

    /// `local` with every pack the mesh state has written replaced by its merged state, and
    /// every serial the mesh refuses among the revoked certificates.
    public func applied(to local: ClientpackStates, now: Int) -> ClientpackStates {
        var out = local
        for (address, record) in packs { out.byAddress[address] = record.state }
        var known = Set(out.revoked.map(\.serial))
        for (address, record) in packs.sorted(by: { $0.key < $1.key }) {
            for serial in record.refusedSerials.sorted() where !known.contains(serial) {
                let name = IPv4Address(address).map(ClientpackName.name) ?? address
                out.revoked.append(.init(serial: serial, name: name, revokedAt: now))
                known.insert(serial)
            }
        }
        return out
    }
}
