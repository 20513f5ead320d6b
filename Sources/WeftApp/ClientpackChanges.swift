import WeftMesh
import WeftModel
import WeftStore

/// The clientpack writes the API and the web UI share: one code path each, so both record
/// the same audit rows and take the same enable/disable fast path.
extension Controller {
    /// Enable/disable, check out/in, regenerate (new keys and certificate; the old
    /// certificate is refused from then on). An enable or disable goes into effect at once
    /// through the overlay's one-peer path, ahead of the reconcile pass, and so do the
    /// client groups (fwsets) it joins or leaves. `identity` sets owner, description and
    /// expiry. Returns the state.
    @discardableResult
    public func updateClientpack(_ address: IPv4Address, enabled: Bool?, checkedOut: Bool?, regenerate: Bool,
                                 identity: ClientpackIdentity.Change = .init(),
                                 principal: String?, source: String = "the API", action: String = "clientpack.update") async throws -> ClientpackState {
        let identity = try identity.validated()
        let key = address.description
        /// The pack after this change, from the states as they are when it applies.
        func changed(_ before: ClientpackState) -> ClientpackState {
            var pack = identity.applied(to: before)
            if let enabled { pack.enabled = enabled }
            if let checkedOut { pack.checkedOut = checkedOut }
            return pack
        }
        let seen = snapshot.clientpacks.state(key)
        guard changed(seen) != seen || regenerate else { return seen }
        let summary = [enabled.map { "enabled=\($0)" }, checkedOut.map { "checked_out=\($0)" }, regenerate ? "regenerate" : nil,
                       identity.isEmpty ? nil : identity.summary]
            .compactMap { $0 }.joined(separator: " ")
        let controllerID = meshControllerID
        let result = try commitClientpacks(principal, action, detail: "\(address) \(summary)", keysChanged: regenerate) { packs, db in
            let old = packs.state(key), new = changed(old)
            packs.byAddress[key] = new
            if regenerate {
                let regenerated = try Store.regenerateClient(address: address, in: db)
                packs.revoked.append(.init(serial: regenerated.revokedSerial, name: ClientpackName.name(address), revokedAt: Store.now()))
                // The new keys travel to the mesh sealed, so every controller serves and admits them.
                let sealed = try MeshRecording.keysetSecret(in: db).map { secret in
                    try KeyMaterial(regenerated.fresh).sealed(address: key, serial: regenerated.serial, keysetSecret: secret)
                } ?? ""
                try MeshRecording.recordRegenerate(address: key, serial: regenerated.serial, sealed: sealed, controller: controllerID, in: db)
            }
            return (old, new)
        }
        let (before, pack) = result.value, generation = result.generation
        if pack.enabled != before.enabled && !regenerate && meshAdmission.admitting, let overlay, let keys = snapshot.overlayKeys,
           let hex = keys.clientHex[key] {
            try await overlay.applyPeer(publicKeyHex: hex, allowedIP: pack.enabled ? "\(address)/32" : nil, generation: generation)
            reconciler.board.markApplied("overlay", generation: generation,
                                         message: "clientpack \(ClientpackName.name(address)) \(pack.enabled ? "enabled" : "disabled") by \(source)")
        }
        await moveInGroups(address, from: before, to: pack)
        return pack
    }

    /// Sets (value) or removes (nil) one tag; removing a tag that is not there is a 404.
    @discardableResult
    public func tagClientpack(_ address: IPv4Address, key: String, value: String?, principal: String?) async throws -> ClientpackState {
        if value != nil {
            guard !key.isEmpty, key.utf8.count <= 64, (value ?? "").utf8.count <= 256 else {
                throw ValidationError(.argument, "Tag \"key\" must be 1 to 64 bytes and \"value\" at most 256")
            }
        }
        let name = address.description
        let result = try commitClientpacks(principal, value == nil ? "clientpack.untag" : "clientpack.tag", detail: "\(address) \(key)") { packs, _ in
            let before = packs.state(name)
            var pack = before
            if let value {
                pack.tags[key] = value
            } else {
                guard pack.tags.removeValue(forKey: key) != nil else {
                    throw ValidationError(.notFound, "Clientpack \(ClientpackName.name(address)) has no tag \"\(key)\"")
                }
            }
            packs.byAddress[name] = pack
            return (before, pack)
        }
        await moveInGroups(address, from: result.value.0, to: result.value.1)
        return result.value.1
    }
}
