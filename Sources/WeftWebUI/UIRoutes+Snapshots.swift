import Foundation
import HTTPTypes
import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel
import WeftStore

/// `/ui/snapshots`: list, create, download and delete as `/api/snapshots` does, and restore
/// in two steps: the page's script uploads the file (`XMLHttpRequest`, with a progress bar)
/// and the daemon checks it (`SnapshotArchive.decode`) and shows what it holds and how it
/// differs from the running configuration; only "Restore and restart" imports it, with the
/// same transaction as `PUT /api/snapshots/running_config`, then the controller restarts.
extension UIRoutes {

    static let snapshotMessages: [String: @Sendable (String) -> String] = [
        "created": { "Snapshot \($0) created." },
        "deleted": { "Snapshot \($0) deleted." },
        "discarded": { _ in "The uploaded snapshot was discarded; nothing was changed." },
    ]

    func registerSnapshots(_ router: Router<WeftRequestContext>) {
        page(router, "ui/snapshots") { call in
            snapshotsPage(call, flash: doneFlash(call, Self.snapshotMessages))
        }
        action(router, "ui/snapshots") { call in
            do {
                let (name, _) = try controller.createSnapshot(name: call.form["name"], asynchronous: false, actor: call.context.principal)
                return UIPage.redirect("/ui/snapshots?done=created&id=\(UIPage.urlComponent(name))")
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return snapshotsPage(call, flash: .error("\(refusal.message) — nothing was changed."), status: refusal.status)
            }
        }
        page(router, "ui/snapshots/:snapshot_name/download") { call in
            let name = call.context.parameters.get("snapshot_name") ?? ""
            var response = UIPage.file(try controller.snapshotFile(name), contentType: "application/octet-stream", filename: Controller.snapshotDownloadName(name))
            UIPage.securityHeaders(&response.headers)
            return response
        }
        action(router, "ui/snapshots/:snapshot_name/delete") { call in
            let name = call.context.parameters.get("snapshot_name") ?? ""
            do {
                try controller.deleteSnapshot(name, actor: call.context.principal)
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return snapshotsPage(call, flash: .error("\(refusal.message) — nothing was changed."), status: refusal.status)
            }
            return UIPage.redirect("/ui/snapshots?done=deleted&id=\(UIPage.urlComponent(name))")
        }
        // Step 1: the raw file, checked and kept for this session; answers the review as HTML.
        upload(router, "ui/snapshots/upload", limit: SnapshotArchive.maximumSize) { call, bytes in
            guard !bytes.isEmpty else { throw ValidationError(.argument, "The file is empty: choose a snapshot file") }
            let document = try Controller.decodeSnapshot(bytes, refusal: "Snapshot refused")
            let filename = Self.uploadName(call.request.headers[HTTPField.Name("X-File-Name")!])
            let id = state.uploads.add(owner: UISessions.key(call.cookie), filename: filename, size: bytes.count, document: document)
            return Self.json(["ok": true, "html": restoreReview(id: id, filename: filename, size: bytes.count, document: document, session: call.session)])
        }
        // Step 2: the confirmed restore.
        action(router, "ui/snapshots/restore") { call in
            guard let pending = state.uploads.get(call.form["upload"] ?? "", owner: UISessions.key(call.cookie), remove: true) else {
                return snapshotsPage(call, flash: .error("That upload is no longer waiting (it expired after 15 minutes, or was used); upload the file again. Nothing was changed."),
                                     status: .conflict)
            }
            do {
                try controller.importSnapshot(pending.document, actor: call.context.principal)
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return snapshotsPage(call, flash: .error(refusal.message), status: refusal.status)
            }
            return UIPage.html(UIPage.frame(title: "Restarting", body: UIPage.restarting("Snapshot \(pending.filename) restored", boot: state.boot),
                                            session: call.session, current: "/ui/snapshots"))
        }
        action(router, "ui/snapshots/discard") { call in
            _ = state.uploads.get(call.form["upload"] ?? "", owner: UISessions.key(call.cookie), remove: true)
            return UIPage.redirect("/ui/snapshots?done=discarded")
        }
    }

    /// The file name the script sends (percent-encoded), for display only.
    static func uploadName(_ header: String?) -> String {
        let name = (header?.removingPercentEncoding ?? "").split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let clean = String(name.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f }.prefix(128).map(Character.init))
        return clean.isEmpty ? "uploaded file" : clean
    }

    func snapshotsPage(_ call: UICall, flash: UIPage.Flash?, status: HTTPResponse.Status = .ok) -> Response {
        let e = UIPage.escape
        let session = call.session
        var html = """
        <h1>Snapshots</h1>
        <section class="card" aria-labelledby="list-title"><h2 id="list-title">Stored on this controller</h2>
        <p class="muted">A snapshot holds the whole configuration, the keyset (every clientpack's keys) and the TLS certificate: keep downloads safe.</p>
        <div class="table-wrap"><table id="snapshots" class="cards">
        <thead><tr><th scope="col">Name</th><th scope="col">Created</th><th scope="col">Size</th><th scope="col">SHA-1</th><th scope="col">Actions</th></tr></thead><tbody>

        """
        let list = SnapshotView.list(controller)
        let entries: [(key: String, value: JSONValue)]
        if case .object(let snapshots)? = list["snapshots"] { entries = snapshots.entries } else { entries = [] }
        if entries.isEmpty { html += "<tr><td colspan=\"5\" class=\"muted\">No snapshots yet.</td></tr>" }
        for (name, info) in entries.sorted(by: { UIPage.jsonText($0.value["created_at_i"]) > UIPage.jsonText($1.value["created_at_i"]) }) {
            let size = Int(UIPage.jsonText(info["size"])) ?? 0
            let created = Int(UIPage.jsonText(info["created_at_i"])) ?? 0
            let link = "/ui/snapshots/\(UIPage.urlComponent(name))"
            html += """
            <tr data-snapshot="\(e(name))"><td data-label="Name"><code>\(e(name))</code></td><td data-label="Created">\(e(UIPage.timeText(created)))</td>
            <td data-label="Size">\(e(UIPage.bytesText(size)))</td><td data-label="SHA-1"><code class="hash">\(e(UIPage.jsonText(info["sha1_checksum"])))</code></td>
            <td class="actions"><a class="button secondary" href="\(link)/download" download aria-label="Download \(e(name))">Download</a>
            \(UIPage.button("\(link)/delete", "Delete", session: session, style: "danger", label: "Delete \(name)", confirm: "Delete snapshot \(name)?"))</td></tr>

            """
        }
        html += """
        </tbody></table></div>
        <form method="post" action="/ui/snapshots" id="snapshot-form">\(UIPage.csrfField(session))
        \(UIPage.field("snapshot-name", "name", "Name (optional)", hint: "Letters, digits, '.', '_' or '-'; empty: a name with the date and this controller's address", extra: "maxlength=\"128\""))
        <div class="row"><button type="submit" id="create-snapshot">Create snapshot</button></div>
        </form></section>

        <section class="card" aria-labelledby="restore-title"><h2 id="restore-title">Restore from a file</h2>
        <p class="muted">The file is checked first and nothing changes until you confirm. Restoring replaces the whole configuration and restarts the controller.</p>
        <form method="post" action="/ui/snapshots/upload" id="upload-form" data-upload>\(UIPage.csrfField(session))
        <label for="snapshot-file">Snapshot file</label>
        <input type="file" id="snapshot-file" name="file" required>
        <div class="row"><button type="submit" id="upload">Upload and check</button></div>
        <noscript><p class="flash info">Uploading a snapshot needs JavaScript; or use PUT /api/snapshots/running_config.</p></noscript>
        <div class="progress-row"><progress id="upload-progress" max="100" value="0" aria-labelledby="upload-status"></progress>
        <span id="upload-status" role="status" aria-live="polite" data-state="idle">No file sent yet.</span></div>
        </form>
        <div id="restore-review" aria-live="polite"></div>
        </section>
        """
        return UIPage.html(UIPage.frame(title: "Snapshots", body: html, session: session, current: "/ui/snapshots", flash: flash), status: status)
    }

    /// What the uploaded file holds, its differences from the running configuration, and
    /// the button that restores it.
    func restoreReview(id: String, filename: String, size: Int, document: SnapshotDocument, session: UISession) -> String {
        let e = UIPage.escape
        var sections = document.settings.keys.sorted()
        if document.keyset != nil { sections.append("keyset") }
        if document.tls != nil { sections.append("tls") }
        var rows: [(String, String)] = [
            ("File", "\(filename) (\(UIPage.bytesText(size)))"),
            ("Made by", "Weft \(document.weftVersion), \(UIPage.timeText(document.createdAt))"),
            ("Settings", "\(document.settings.count)"),
            ("Clientpacks", document.keyset.map { "\($0.clients.count) (keyset \($0.uuid))" } ?? "none (no keyset)"),
            ("TLS certificate", document.tls == nil ? "not included" : "included (replaces this controller's at restart)"),
        ]
        if let parameters = document.settings["controller"], parameters.count < 200 { rows.append(("Controller settings", parameters)) }
        var html = """
        <section class="review" id="review" aria-labelledby="review-title"><h3 id="review-title">Checked: a valid Weft snapshot</h3>
        \(facts_(rows))
        <h4>Sections</h4><ul id="review-sections" class="inline-list">\(sections.map { "<li data-section=\"\(e($0))\"><code>\(e($0))</code></li>" }.joined())</ul>
        <h4>Differences from the running configuration</h4>
        """
        if let running = try? SnapshotArchive.decode(try controller.makeSnapshot()) {
            let diff = SnapshotDiff(from: running, to: document)
            if diff.isEmpty {
                html += "<p id=\"review-diff\" class=\"muted\">None: it holds the running configuration.</p>"
            } else {
                html += "<div id=\"review-diff\">"
                for section in diff.sections {
                    let shown = section.changes.prefix(20)
                    html += "<h5 data-section=\"\(e(section.name))\">\(e(section.name))</h5><ul class=\"diff\">"
                    html += shown.map { "<li>\(e($0))</li>" }.joined()
                    if section.changes.count > shown.count { html += "<li class=\"muted\">… and \(section.changes.count - shown.count) more</li>" }
                    html += "</ul>"
                }
                html += "</div>"
            }
        } else {
            html += "<p class=\"muted\">The running configuration could not be read for comparison.</p>"
        }
        html += """
        <div class="row">
        <form class="inline" method="post" action="/ui/snapshots/restore" id="restore-form">\(UIPage.csrfField(session))<input type="hidden" name="upload" value="\(e(id))"><button type="submit" class="danger" id="restore">Restore and restart</button></form>
        <form class="inline" method="post" action="/ui/snapshots/discard">\(UIPage.csrfField(session))<input type="hidden" name="upload" value="\(e(id))"><button type="submit" class="secondary">Discard</button></form>
        </div></section>
        """
        return html
    }
}
