import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
@testable import WeftAPI
@testable import WeftApp
@testable import WeftHTTP
@testable import WeftWebUI
import WeftModel
import WeftReconciler
import WeftStore
import WeftSystemTesting

/// A controller on an in-memory store with fake OS tools, tested through its router.
struct TestController {
    static let password = "test-api-password"
    let controller: Controller
    let table = RouteTable()
    let netfilter = FakeNetfilter()
    let ipsets = FakeIPSets()
    let ui: UIState

    init(loginFailureLimit: Int = 10_000) throws {
        let store = try Store()
        let hash = try PasswordHash(password: Self.password, rounds: 1000)
        try store.write(actor: "system", action: "credentials.seed.api") { db in
            try Store.setAccount(role: .api, username: "api", hash: hash, in: db)
        }
        var options = ControllerOptions(dataDirectory: NSTemporaryDirectory(), apply: true)
        options.loginFailureLimit = loginFailureLimit
        let firewall = FirewallReconciler(netfilter: netfilter, ipsets: ipsets, services: .init())
        controller = try Controller(
            store: store, options: options,
            subsystems: [HostReconciler(sysctl: FakeSysctl(), netfilter: netfilter), firewall],
            inventory: FakeLinkInventory(), logger: Logger(label: "test"), firewall: firewall)
        ui = UIState(controller: controller)
    }

    func test(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        await controller.facts.refresh()
        let app = Application(router: HTTPServer.router(controller: controller, ui: ui, table: table))
        try await app.test(.router) { client in try await body(client) }
    }

    var generation: Int { (try? controller.store.generation()) ?? -1 }

    static func basic(_ password: String = TestController.password, user: String = "api") -> HTTPFields {
        [.authorization: "Basic " + Data("\(user):\(password)".utf8).base64EncodedString(), .contentType: "application/json"]
    }
}

extension TestResponse {
    var json: JSONValue { (try? JSONParser.parse(Array(body.readableBytesView))) ?? .null }
    var text: String { String(buffer: body) }
    var errorMessage: String? {
        if case .string(let message)? = json["error"]?["message"] { return message }
        return nil
    }
}

func body(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }
