import Crypto
import Foundation
import Hummingbird
import WeftApp
import WeftFirewall
import WeftHTTP
import WeftModel
import WeftReconciler
import WeftStore

/// `/ui/firewall`: the rule list as text, checked as the user types with the API's parser,
/// a plan (rules added and removed) before "Save and activate", which goes through the
/// firewall's one write path (`Controller.changeFirewall`), and per-rule kernel counters.
extension UIRoutes {
    /// One textarea checked: its rules with their line numbers, and the first refusal.
    struct RuleDraft: Sendable {
        var rules: [String] = []
        var lines: [Int] = []
        var refusal: (line: Int?, message: String)?
    }

    func registerFirewall(_ router: Router<WeftRequestContext>) {
        page(router, "ui/firewall") { call in
            var flash: UIPage.Flash?
            if let saved = call.request.query("saved") { flash = .ok("Saved and active: \(saved) rule(s).") }
            return UIPage.html(UIPage.frame(title: "Firewall", body: try await firewallPage(session: call.session, text: nil),
                                            session: call.session, current: "/ui/firewall", flash: flash))
        }
        action(router, "ui/firewall/check") { call in
            guard let data = call.form["_json"]?.data(using: .utf8),
                  let body = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let text = body["rules"] as? String else {
                return Self.json(["ok": false, "message": "The body must be {\"rules\": \"...\"}"], status: .badRequest)
            }
            let draft = check(text)
            if let refusal = draft.refusal {
                var answer: [String: Any] = ["ok": false, "message": refusal.message]
                if let line = refusal.line { answer["line"] = line }
                return Self.json(answer)
            }
            let plan = diff(from: controller.snapshot.firewall.entries.map(\.rule), to: draft.rules)
            return Self.json(["ok": true, "rules": draft.rules.count, "added": plan.added.count, "removed": plan.removed.count,
                              "message": "\(draft.rules.count) rule(s) valid: \(plan.added.count) to add, \(plan.removed.count) to remove" + (plan.reordered ? ", order changed." : ".")])
        }
        action(router, "ui/firewall/plan") { call in
            let text = call.form["rules"] ?? ""
            let draft = check(text)
            if let refusal = draft.refusal {
                return UIPage.html(UIPage.frame(title: "Firewall", body: try await firewallPage(session: call.session, text: text),
                                                session: call.session, current: "/ui/firewall", flash: .error(refusal.message)), status: .badRequest)
            }
            return UIPage.html(UIPage.frame(title: "Firewall plan", body: planPage(draft, text: text, session: call.session),
                                            session: call.session, current: "/ui/firewall"))
        }
        action(router, "ui/firewall/save") { call in
            guard let encoded = call.form["rules_b64"], let data = Data(base64Encoded: encoded), let text = String(data: data, encoding: .utf8) else {
                throw ValidationError(.argument, "The plan form is incomplete; review the rules again")
            }
            let basedOn = call.form["based_on"] ?? ""
            let draft = check(text)
            if let refusal = draft.refusal {
                return UIPage.html(UIPage.frame(title: "Firewall", body: try await firewallPage(session: call.session, text: text),
                                                session: call.session, current: "/ui/firewall", flash: .error(refusal.message)), status: .badRequest)
            }
            let rules = draft.rules
            do {
                try await controller.changeFirewall(actor: call.context.principal, "firewall.overwrite", context: "web UI") { policy in
                    guard Self.fingerprint(policy) == basedOn else {
                        throw ValidationError(.unavailable, name: "Conflict", "The firewall changed since this plan was made; review it again")
                    }
                    policy.replaceAll(Self.keeping(policy.entries, rules))
                }
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return UIPage.html(UIPage.frame(title: "Firewall", body: try await firewallPage(session: call.session, text: text),
                                                session: call.session, current: "/ui/firewall",
                                                flash: .error("\(refusal.message) — nothing was changed.")), status: refusal.status)
            }
            return UIPage.redirect("/ui/firewall?saved=\(rules.count)")
        }
    }

    /// Splits the text into rules (blank lines and `#` comments skipped) and parses the
    /// candidate policy as `PUT /api/firewall` would, lockout check included.
    func check(_ text: String) -> RuleDraft {
        var draft = RuleDraft()
        for (number, line) in TextLines.split(text).enumerated() {
            let rule = line.trimmed
            if rule.isEmpty || rule.hasPrefix("#") { continue }
            guard rule.utf8.count <= 2048 else {
                draft.refusal = (number + 1, "Line \(number + 1): a rule is longer than 2048 bytes")
                return draft
            }
            draft.rules.append(rule)
            draft.lines.append(number + 1)
        }
        var candidate = controller.snapshot.firewall
        candidate.replaceAll(Self.keeping(candidate.entries, draft.rules))
        let parsed: [FirewallRule?]
        do {
            parsed = try FirewallReconciler.parse(candidate)
        } catch {
            draft.refusal = refusal(error, draft)
            return draft
        }
        if let lockout = LockoutCheck.check(parsed, apiPort: controller.options.port) {
            draft.refusal = (nil, "Lockout: \(lockout.reason). The API can only save this with \"force\": true.")
        }
        return draft
    }

    func refusal(_ error: RuleError, _ draft: RuleDraft) -> (line: Int?, message: String) {
        var line: Int?
        var text = ""
        if let position = error.position, draft.lines.indices.contains(position), !error.reason.hasPrefix("in subgroup") {
            line = draft.lines[position]
            text = "Line \(draft.lines[position]) (rule \(position))"
        } else {
            text = "Rule \(error.position.map(String.init) ?? "?")"
        }
        if let token = error.token { text += ", at \"\(token)\"" }
        return (line, text + ": \(error.reason)")
    }

    /// The new rule list as `replaceAll` items, keeping the id, comment, groups and disabled
    /// flag of each rule whose text is unchanged.
    static func keeping(_ entries: [FirewallPolicy.Entry], _ rules: [String]) -> [(rule: String, comment: String, disabled: Bool, groups: [String], id: Int?)] {
        var unused = entries
        return rules.map { rule in
            if let index = unused.firstIndex(where: { $0.rule == rule }) {
                let entry = unused.remove(at: index)
                return (rule, entry.comment, entry.disabled, entry.groups, entry.id)
            }
            return (rule, "", false, [], nil)
        }
    }

    struct RulePlan { var added: [String]; var removed: [String]; var reordered: Bool }

    /// Rules only in the new list, rules only in the old one, and whether the kept ones moved.
    func diff(from old: [String], to new: [String]) -> RulePlan {
        var remaining = old, added: [String] = [], kept: [String] = []
        for rule in new {
            if let index = remaining.firstIndex(of: rule) { remaining.remove(at: index); kept.append(rule) } else { added.append(rule) }
        }
        var unmatched = new
        let keptOld = old.filter { rule in
            if let index = unmatched.firstIndex(of: rule) { unmatched.remove(at: index); return true }
            return false
        }
        return RulePlan(added: added, removed: remaining, reordered: keptOld != kept)
    }

    /// Identifies the rule list a plan was made against.
    static func fingerprint(_ policy: FirewallPolicy) -> String {
        let text = policy.entries.map { "\($0.id)\u{1}\($0.rule)\u{1}\($0.disabled)" }.joined(separator: "\n")
        return SHA256.hash(data: Array(text.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    func firewallPage(session: UISession, text: String?) async throws -> String {
        let policy = controller.snapshot.firewall
        let e = UIPage.escape
        let current = text ?? policy.entries.map(\.rule).joined(separator: "\n")
        var counters: [Int: FirewallReconciler.Counter] = [:]
        if let firewall = controller.firewall { counters = (try? await firewall.counters(policy)) ?? [:] }
        var html = """
        <h1>Firewall</h1>
        <section class="card" aria-labelledby="editor-title"><h2 id="editor-title">Rules</h2>
        <p class="muted">One rule per line, as on VNS3: <code>INPUT_CUST -s 192.0.2.0/24 -p tcp --dport 22 -j ACCEPT</code>. Blank lines and lines starting with # are skipped. Rules are checked as you type; nothing changes until you review the plan and save it.</p>
        <form method="post" action="/ui/firewall/plan" id="firewall-editor">\(UIPage.csrfField(session))
        <label for="rules">Rule list</label>
        <textarea id="rules" name="rules" spellcheck="false" autocapitalize="off" aria-describedby="check-result">\(e(current))</textarea>
        <p id="check-result" role="status" aria-live="polite" data-state="idle"></p>
        <div class="row"><button type="submit" id="review">Review changes</button></div>
        </form></section>

        """
        html += """
        <section class="card" aria-labelledby="active-title"><h2 id="active-title">Active rules and hit counters</h2>
        <div class="table-wrap"><table id="active-rules"><thead><tr><th scope="col">#</th><th scope="col">Rule</th><th scope="col">State</th><th scope="col">Comment</th><th scope="col">Packets</th><th scope="col">Bytes</th></tr></thead><tbody>
        """
        if policy.entries.isEmpty { html += "<tr><td colspan=\"6\" class=\"muted\">No customer rules: only the protective default applies.</td></tr>" }
        for (index, entry) in policy.entries.enumerated() {
            let counter = counters[index]
            html += "<tr><td>\(index)</td><td><code>\(e(entry.rule))</code></td><td>\(entry.disabled ? "disabled" : "active")</td><td>\(e(entry.comment))</td>"
            html += "<td>\(counter.map { "\($0.packets)" } ?? "—")</td><td>\(counter.map { e(UIPage.bytesText($0.bytes)) } ?? "—")</td></tr>"
        }
        html += "</tbody></table></div></section>\n"
        html += protectiveDefaultSection() + pluginRulesSection()
        if !policy.sets.isEmpty || !policy.subgroups.isEmpty {
            html += "<section class=\"card\" aria-labelledby=\"sets-title\"><h2 id=\"sets-title\">fwsets and subgroups</h2><ul>"
            let members = controller.clientGroupMembers()
            for set in policy.sets {
                let detail = set.kind == .clients
                    ? ": client group (\(e(set.entries.map(\.entry).joined(separator: ", ")))), \(members[set.name]?.count ?? 0) member(s) now"
                    : ""
                html += "<li>fwset <code>\(e(set.name))</code>\(detail)</li>"
            }
            for group in policy.subgroups { html += "<li>subgroup <code>\(e(group.name))</code>: \(group.entries.count) rule(s)</li>" }
            html += "</ul><p class=\"muted\">Edit them through the API for now.</p></section>"
        }
        return html
    }

    /// The rules after the customer rules, read-only: what INPUT and FORWARD do with what
    /// the customer rules left undecided.
    func protectiveDefaultSection() -> String {
        let e = UIPage.escape
        var html = """
        <section class="card" aria-labelledby="default-title"><h2 id="default-title">Protective default (read-only)</h2>
        <p class="muted">Applied after the customer rules, in this order, and not editable: it keeps the API, SSH, the overlay and the tunnels reachable and drops the rest of INPUT and FORWARD. Customer rules (INPUT_CUST, FORWARD_CUST) run first and can decide before it.</p>
        """
        guard let firewall = controller.firewall else {
            return html + "<p id=\"protective-default\" class=\"muted\">Not applied: this controller runs with --no-apply.</p></section>\n"
        }
        html += "<div class=\"table-wrap\"><table id=\"protective-default\"><thead><tr><th scope=\"col\">Chain</th><th scope=\"col\">Rule</th></tr></thead><tbody>"
        for rule in firewall.protectiveDefault {
            let chain = rule.chain.replacingOccurrences(of: "WEFT_", with: "")
            html += "<tr data-chain=\"\(e(chain))\"><td>\(e(chain))</td><td><code>\(e(rule.arguments))</code></td></tr>"
        }
        return html + "</tbody></table></div></section>\n"
    }

    func planPage(_ draft: RuleDraft, text: String, session: UISession) -> String {
        let policy = controller.snapshot.firewall
        let plan = diff(from: policy.entries.map(\.rule), to: draft.rules)
        let e = UIPage.escape
        var html = "<h1>Review the firewall change</h1>\n<section class=\"card\" aria-labelledby=\"plan-title\"><h2 id=\"plan-title\">Plan</h2>"
        html += "<p id=\"plan-summary\">\(draft.rules.count) rule(s) after saving: \(plan.added.count) added, \(plan.removed.count) removed\(plan.reordered ? ", order changed" : "").</p>"
        if plan.added.isEmpty && plan.removed.isEmpty && !plan.reordered {
            html += "<p class=\"flash info\">No change.</p>"
        }
        html += "<ul class=\"diff\" id=\"plan-diff\">"
        for rule in plan.removed { html += "<li class=\"removed\" data-rule=\"\(e(rule))\"><span class=\"visually-hidden\">removed: </span>− \(e(rule))</li>" }
        for rule in plan.added { html += "<li class=\"added\" data-rule=\"\(e(rule))\"><span class=\"visually-hidden\">added: </span>+ \(e(rule))</li>" }
        html += "</ul>"
        html += """
        <form method="post" action="/ui/firewall/save" id="firewall-save">\(UIPage.csrfField(session))
        <input type="hidden" name="rules_b64" value="\(Data(text.utf8).base64EncodedString())">
        <input type="hidden" name="based_on" value="\(Self.fingerprint(policy))">
        <div class="row"><button type="submit" id="save">Save and activate</button> <a class="button secondary" href="/ui/firewall">Cancel</a></div>
        </form></section>
        """
        return html
    }
}
