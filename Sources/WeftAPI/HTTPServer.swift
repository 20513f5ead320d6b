import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL
import ServiceLifecycle
import WeftApp
import WeftHTTP
import WeftStore
import WeftWebUI

/// Builds the HTTPS application: middlewares first (metrics, HSTS, errors, the request
/// target check, default-deny auth), then every route, each recorded with its access.
public enum HTTPServer {
    public static func router(controller: Controller, ui: UIState? = nil, table: RouteTable = RouteTable()) -> Router<WeftRequestContext> {
        let ui = ui ?? UIState(controller: controller)
        let router = Router(context: WeftRequestContext.self)
        router.add(middleware: MetricsMiddleware(metrics: controller.metrics))
        router.add(middleware: TransportSecurityMiddleware())
        router.add(middleware: ErrorMiddleware(table: table))
        router.add(middleware: RequestTargetMiddleware(metrics: controller.metrics))
        router.add(middleware: AuthMiddleware(verifier: controller.verifier, table: table, uiGate: UIRoutes.sessionGate(ui)))
        router.on(.get, "metrics", access: .apiCredentials, table: table) { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: controller.metrics.scrape(controller))))
        }
        let api = APIGroup(group: router.group("api"), table: table)
        ConfigRoutes(controller: controller).register(api)
        LicenseRoutes(controller: controller).register(api)
        let keysets = KeysetRoutes(controller: controller)
        keysets.register(api)
        keysets.registerTransfer(router, table: table)
        PeeringRoutes(controller: controller).register(api)
        MeshRoutes(controller: controller).register(router, table: table)
        AccessRoutes(controller: controller).register(api)
        StatusRoutes(controller: controller).register(api)
        InterfaceRoutes(controller: controller).register(api)
        ServerRoutes(controller: controller).register(api)
        let v2 = APIGroup(group: router.group("api/v2"), table: table, prefix: "/api/v2/")
        let firewall = FirewallRoutes(controller: controller)
        firewall.register(api, v2: v2)
        FirewallSetRoutes(firewall: firewall).register(api, v2: v2)
        FirewallSubgroupRoutes(firewall: firewall).register(api)
        FirewallGroupRoutes(firewall: firewall).register(v2)
        ClientGroupRoutes(controller: controller).register(api, v2: v2)
        OverlayRoutes(controller: controller, wireguard: controller.wireguard).register(api)
        IpsecRoutes(controller: controller).register(api)
        RoutingRoutes(controller: controller).register(api)
        AlertRoutes(controller: controller).register(api)
        SnapshotRoutes(controller: controller).register(api)
        PacketMonitorRoutes(controller: controller).register(api)
        ContainerRoutes(controller: controller).register(api)
        PluginCatalogRoutes(controller: controller).register(api)
        PluginRoutes(controller: controller).register(api)
        APIDocumentRoutes().register(api)
        IDSRoutes(controller: controller).register(api)
        WAFRoutes(controller: controller).register(api)
        UIRoutes(controller: controller, state: ui, table: table).register(router)
        return router
    }

    public static func application(controller: Controller, ui: UIState, certificate: ServerCertificate.Files, logger: Logger) throws -> some ApplicationProtocol {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(certificate.certificatePEM.utf8)).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(certificate.privateKeyPEM.utf8), format: .pem)))
        tls.minimumTLSVersion = .tlsv12
        tls.cipherSuites = tlsCipherSuites
        let http1 = HTTP1Channel.Configuration(additionalChannelHandlers: [RawTargetRecorderInstaller()])
        return Application(
            router: router(controller: controller, ui: ui),
            server: try .tls(.http1(configuration: http1), tlsConfiguration: tls),
            configuration: .init(address: .hostname(controller.options.host, port: controller.options.port), serverName: nil),
            logger: logger)
    }

    /// TLS 1.2's suites: ECDHE key exchange with AES-GCM or ChaCha20-Poly1305 only (forward
    /// secrecy, AEAD). TLS 1.3 has only such suites. TLS 1.0 and 1.1 are refused.
    static let tlsCipherSuites = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")
}
