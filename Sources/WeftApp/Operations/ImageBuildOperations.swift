import Foundation
import WeftContainers
import WeftModel
import WeftStore

/// The build sources of `POST /api/container_system/images` (CONTRACT §3.14): `buildfile`
/// (an uploaded Dockerfile, or a tar/zip build context holding one), `localbuild` (a
/// Dockerfile given as text, built without a context), `buildurl` (a Dockerfile or context
/// downloaded, then built) and `localimage` (an imported image tagged under a new name, Ready
/// at once). A Dockerfile given in the request is checked before anything is recorded: a bad
/// or unsupported line, a context entry that escapes its root, a missing base image or COPY
/// source is a 400 and nothing is created.
extension Controller {
    static let imageSources = ["imagefile", "url", "buildfile", "buildurl", "localbuild", "localimage"]

    /// The build source of the request, or nil when it imports an archive (`imagefile`, `url`).
    func buildSource(_ fields: InputFields, buildfile: [UInt8]?, repoTag: String) throws -> ContainerSystem.ImageSource? {
        if fields.has("buildfile") && buildfile == nil {
            throw ValidationError(field: "buildfile", "buildfile must be uploaded as a multipart/form-data file part")
        }
        if let bytes = buildfile { return .build(try prepareBuild(bytes, field: "buildfile", repoTag: repoTag)) }
        if let text = try fields.string("localbuild") {
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ValidationError(field: "localbuild", "localbuild is empty: give a Dockerfile") }
            return .build(try prepareBuild(Array(text.utf8), field: "localbuild", repoTag: repoTag))
        }
        if let url = try fields.string("buildurl") {
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil else {
                throw ValidationError(field: "buildurl", "buildurl must be an http or https URL, got \(url.prefix(120))")
            }
            return .buildURL(url, repoTag: repoTag)
        }
        return nil
    }

    func prepareBuild(_ bytes: [UInt8], field: String, repoTag: String) throws -> ImageBuild {
        let context: BuildContext
        do { context = try BuildContext.read(bytes, limit: options.imageSizeLimit) } catch {
            throw ValidationError(field: field, "\(field): \(error)")
        }
        do {
            return try ImageBuild.prepare(context, images: containerSystemConfig.images, repoTag: repoTag)
        } catch let error as DockerfileError {
            throw ValidationError(field: field, "\(error)")
        }
    }

    /// `localimage`: a new record for an imported image under `name` (same files, Ready).
    func tagLocalImage(_ reference: String, name: String, description: String, actor: String?) throws -> String {
        let importID = UUID().uuidString.lowercased()
        let parts = name.split(separator: ":", maxSplits: 1)
        try commit(actor, "container_system.images.tag", detail: "\(reference) → \(name)") { db in
            var config = try Store.get(.containerSystem, in: db) ?? ContainerSystemConfig()
            guard let image = ImageBuild.localImage(reference, in: config.images) else {
                throw ValidationError(.notFound, field: "localimage", "localimage \(reference.prefix(80)): no local image of that name, name:tag or id")
            }
            guard image.status == .ready else { throw ValidationError(.state, field: "localimage", "localimage \(reference.prefix(80)) is \(image.status.rawValue)") }
            var tagged = image
            tagged.importID = importID
            tagged.name = String(parts[0])
            tagged.tag = parts.count > 1 ? String(parts[1]) : "latest"
            tagged.description = description.isEmpty ? image.description : description
            tagged.statusMessage = "Image ready (tagged from \(image.name):\(image.tag))"
            tagged.created = Store.now()
            config.images.append(tagged)
            try Store.set(.containerSystem, config, in: db)
        }
        return importID
    }
}
