// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "weft",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "weft", targets: ["weft"]),
        .executable(name: "weft-micro", targets: ["WeftMicro"]),
        .executable(name: "weft-ids", targets: ["WeftIDSReplay"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        .target(
            name: "WeftModel",
            swiftSettings: strict
        ),
        .target(
            name: "WeftFirewall",
            dependencies: ["WeftModel"],
            swiftSettings: strict
        ),
        .target(
            name: "WeftStore",
            dependencies: [
                "WeftModel",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "CSpawn"
        ),
        .target(
            name: "CAllocator"
        ),
        .target(
            name: "WeftSystem",
            dependencies: [
                "WeftModel", "CSpawn", "CAllocator",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"])]
        ),
        .target(
            name: "WeftCapture",
            dependencies: ["CPcap", "WeftModel"],
            swiftSettings: strict
        ),
        .systemLibrary(
            name: "CPCRE2",
            pkgConfig: "libpcre2-8",
            providers: [.apt(["libpcre2-dev"])]
        ),
        .systemLibrary(
            name: "CHyperscan",
            pkgConfig: "libhs",
            providers: [.apt(["libhyperscan-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "WeftIDS",
            dependencies: ["CPCRE2", "CHyperscan", "CZlib"],
            swiftSettings: strict
        ),
        .systemLibrary(
            name: "CNetfilterQueue",
            pkgConfig: "libnetfilter_queue",
            providers: [.apt(["libnetfilter-queue-dev"])]
        ),
        .target(
            name: "WeftIDSLive",
            dependencies: ["WeftIDS", "CPcap", "CNetfilterQueue"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "WeftIDSReplay",
            dependencies: ["WeftIDS", "WeftIDSLive"],
            swiftSettings: strict
        ),
        .target(
            name: "WeftContainers",
            dependencies: ["WeftModel", "CZlib"],
            swiftSettings: strict
        ),
        .target(
            name: "WeftWAF",
            dependencies: ["WeftModel"],
            swiftSettings: strict
        ),
        .target(
            name: "WeftMesh",
            dependencies: ["WeftModel", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        .target(
            name: "WeftSNMP",
            dependencies: ["WeftModel"],
            swiftSettings: strict
        ),
        .target(
            name: "WeftSystemTesting",
            dependencies: ["WeftSystem", "WeftModel"],
            swiftSettings: strict
        ),
        .target(
            name: "WeftReconciler",
            dependencies: [
                "WeftModel", "WeftFirewall", "WeftStore", "WeftSystem",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "WeftApp",
            dependencies: [
                "WeftModel", "WeftMesh", "WeftFirewall", "WeftStore", "WeftSystem", "WeftReconciler", "WeftCapture", "WeftSNMP", "WeftContainers",
                "WeftIDS", "WeftIDSLive", "WeftWAF",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "WeftHTTP",
            dependencies: [
                "WeftModel",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "WeftWebUI",
            dependencies: [
                "WeftApp", "WeftHTTP", "WeftModel", "WeftStore", "WeftFirewall", "WeftReconciler", "WeftContainers", "WeftWAF",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "WeftAPI",
            dependencies: [
                "WeftApp", "WeftHTTP", "WeftWebUI", "WeftModel", "WeftMesh", "WeftFirewall", "WeftStore", "WeftSystem", "WeftReconciler", "WeftCapture", "WeftContainers", "WeftWAF",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "WeftCLI",
            dependencies: [
                "WeftModel", "WeftFirewall",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "weft",
            dependencies: [
                "WeftCLI", "WeftModel", "WeftMesh", "WeftFirewall", "WeftStore", "WeftSystem", "WeftReconciler", "WeftApp", "WeftWebUI", "WeftAPI", "WeftContainers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "WeftMicro",
            dependencies: ["WeftModel", "WeftFirewall", "WeftStore"],
            path: "Benchmarks/WeftMicro",
            swiftSettings: strict
        ),
        .testTarget(
            name: "WeftModelTests",
            dependencies: ["WeftModel"]
        ),
        .testTarget(
            name: "WeftCLITests",
            dependencies: ["WeftCLI", "WeftModel", "WeftFirewall"]
        ),
        .testTarget(
            name: "WeftFirewallTests",
            dependencies: ["WeftFirewall", "WeftModel"]
        ),
        .testTarget(
            name: "WeftStoreTests",
            dependencies: ["WeftStore", "WeftModel"]
        ),
        .testTarget(
            name: "WeftWAFTests",
            dependencies: ["WeftWAF", "WeftModel"]
        ),
        .testTarget(
            name: "WeftMeshTests",
            dependencies: ["WeftMesh", "WeftModel"]
        ),
        .testTarget(
            name: "WeftCaptureTests",
            dependencies: ["WeftCapture"]
        ),
        .testTarget(
            name: "WeftIDSTests",
            dependencies: ["WeftIDS"]
        ),
        .testTarget(
            name: "WeftContainersTests",
            dependencies: ["WeftContainers", "WeftModel"]
        ),
        .testTarget(
            name: "WeftSNMPTests",
            dependencies: ["WeftSNMP"]
        ),
        .testTarget(
            name: "WeftSystemTests",
            dependencies: ["WeftSystem", "WeftModel"]
        ),
        .testTarget(
            name: "WeftReconcilerTests",
            dependencies: ["WeftReconciler", "WeftSystemTesting", "WeftSystem", "WeftStore", "WeftModel"]
        ),
        .testTarget(
            name: "WeftAPITests",
            dependencies: [
                "WeftAPI", "WeftApp", "WeftHTTP", "WeftWebUI", "WeftStore", "WeftModel", "WeftSystemTesting", "WeftReconciler", "WeftMesh",
                "WeftIDS", "WeftIDSLive",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
    ]
)
