import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import WeftModel

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a controller's status through its API.")

    @Option(help: "API base URL.") var url = "https://127.0.0.1:8000"
    @Option(help: "API user.") var user = "api"
    @Option(help: "API password (or WEFT_API_PASSWORD).") var password: String?
    @Option(help: "API token (or WEFT_API_TOKEN), instead of a password.") var token: String?
    @Flag(help: "Print the raw JSON.") var json = false

    func run() async throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none  // the controller's certificate is self-signed
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        do {
            let config = try await get(client, "/api/config")
            let status = try await get(client, "/api/status")
            try await client.shutdown()
            if json {
                print(JSONWriter.string(["config": config, "status": status]))
                return
            }
            func text(_ value: JSONValue?) -> String {
                switch value {
                case .string(let s)?: return s
                case .int(let i)?: return String(i)
                case .bool(let b)?: return String(b)
                default: return "-"
                }
            }
            print("controller  \(text(config["controller_name"])) (topology \(text(config["topology_name"])))")
            print("version     \(text(status["weft"]?["version"])), API \(text(config["vns3_version"]))")
            print("addresses   private \(text(config["private_ipaddress"])), overlay \(text(config["overlay_ipaddress"])), asn \(text(config["asn"]))")
            print("licensed    \(text(config["licensed"]))")
            print("generation  \(text(status["weft"]?["generation"])), mode \(text(status["weft"]?["mode"]))")
            if case .object(let subsystems)? = status["weft"]?["subsystems"] {
                for (name, value) in subsystems.entries {
                    print("  \(name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(text(value["status"])) applied=\(text(value["applied_generation"])) \(text(value["message"]))")
                }
            }
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    func get(_ client: HTTPClient, _ path: String) async throws -> JSONValue {
        var request = HTTPClientRequest(url: url.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + path)
        if let token = token ?? ProcessInfo.processInfo.environment["WEFT_API_TOKEN"] {
            request.headers.add(name: "api-token", value: token)
        } else if let password = password ?? ProcessInfo.processInfo.environment["WEFT_API_PASSWORD"] {
            request.headers.add(name: "Authorization", value: "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())
        }
        let response = try await client.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        let value = (try? JSONParser.parse(Array(body.readableBytesView))) ?? .null
        guard response.status == .ok, let payload = value["response"] else {
            var message = "HTTP \(response.status.code)"
            if case .string(let text)? = value["error"]?["message"] { message += ": \(text)" }
            throw ValidationError("\(path): \(message)")
        }
        return payload
    }
}
