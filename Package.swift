// swift-tools-version:6.1
import PackageDescription

// Swift 6 language mode everywhere, with the upcoming features the gRPC packages also use.
let swiftSettings: [SwiftSetting] = [
  .enableUpcomingFeature("ExistentialAny"),
  .enableUpcomingFeature("InternalImportsByDefault"),
  .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
  name: "EdgeInfer",
  platforms: [.macOS(.v15)],
  products: [
    .library(name: "EdgeClient", targets: ["EdgeClient"]),
    // The parsers and validators, for the fuzz targets in Fuzz/ (a package of their own, built
    // with the fuzzer sanitizer).
    .library(name: "EdgeRuntime", targets: ["EdgeRuntime"]),
    .library(name: "EdgeProto", targets: ["EdgeProto"]),
    // The router's wire scanner, for its fuzz target.
    .library(name: "EdgeWire", targets: ["EdgeWire"]),
    .executable(name: "edgeinfer", targets: ["edgeinfer"]),
    .executable(name: "edge-router", targets: ["edge-router"]),
    .executable(name: "edge-node", targets: ["edge-node"]),
    .executable(name: "edge-executor", targets: ["edge-executor"]),
  ],
  dependencies: [
    .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
    .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
    .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
    .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
    .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
    .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
    .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
    .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
    // OTLP over gRPC only: the HTTP exporter would bring async-http-client for nothing.
    .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPGRPC"]),
  ],
  targets: [
    // Generated protobuf and gRPC code only (dev/generate-protos.sh).
    .target(
      name: "EdgeProto",
      dependencies: [
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ]
    ),
    // Quantized CPU kernels: scalar references and AVX2+FMA versions chosen at run time.
    // Optimized in debug builds too: at -O0 the intrinsics run some 50 times slower, too slow for
    // a transformer in the debug cluster the tests start. (Only -O2, which changes no semantics;
    // the client library does not depend on this target.)
    .target(
      name: "CEdgeKernels",
      cSettings: [.unsafeFlags(["-O2"], .when(configuration: .debug))],
      linkerSettings: [.linkedLibrary("m")]
    ),
    // cblas from Debian's libopenblas-dev; Apple platforms use Accelerate instead.
    .systemLibrary(
      name: "COpenBLAS",
      pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]
    ),
    .target(
      name: "EdgeRuntime",
      dependencies: [
        .target(name: "COpenBLAS", condition: .when(platforms: [.linux])),
        "CEdgeKernels", "EdgeProto",
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ],
      swiftSettings: swiftSettings
    ),
    .target(name: "EdgeRouting", swiftSettings: swiftSettings),
    // What servers and clients share on the wire: protobuf's wire format read in place (what
    // the router's data plane needs from a message it forwards as bytes), the pooled connections
    // to nodes (gRPC clients for the control plane, NodeLink for ModelInfer), and which answers
    // allow failover.
    .target(
      name: "EdgeWire",
      dependencies: [
        "EdgeSecurity",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "NIOHTTP2", package: "swift-nio-http2"),
        .product(name: "NIOHPACK", package: "swift-nio-http2"),
      ],
      swiftSettings: swiftSettings
    ),
    // Usage metering's arithmetic (per credential, model and minute): pure, with explicit times.
    .target(name: "EdgeMetering", swiftSettings: swiftSettings),
    // The dynamic batcher's decisions (queue order, batch formation, deadlines, backpressure):
    // pure, with explicit instants, so every rule is tested without a clock or an executor.
    .target(name: "EdgeBatching", swiftSettings: swiftSettings),
    .target(
      name: "EdgeSecurity",
      dependencies: [
        .product(name: "X509", package: "swift-certificates"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "SwiftASN1", package: "swift-asn1"),
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "NIOCertificateReloading", package: "swift-nio-extras"),
      ],
      swiftSettings: swiftSettings
    ),
    // What operators see of every service: its HTTP listeners (hummingbird, plain or TLS), its
    // metrics (swift-metrics on a Prometheus registry of its own), the process's figures, and its
    // spans (swift-distributed-tracing, exported over OTLP by swift-otel when asked).
    .target(
      name: "EdgeObservability",
      dependencies: [
        "EdgeSecurity",
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "CoreMetrics", package: "swift-metrics"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdCore", package: "hummingbird"),
        .product(name: "HummingbirdTLS", package: "hummingbird"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Tracing", package: "swift-distributed-tracing"),
        .product(name: "OTel", package: "swift-otel"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ],
      swiftSettings: swiftSettings,
      plugins: ["BuildStamp"]
    ),
    // Stamps EdgeObservability with the commit it was built from (BuildInfo, `--version`).
    .plugin(name: "BuildStamp", capability: .buildTool()),
    // The services, one module per process, on what every server shares.
    // EdgeServer: serving, health, access checks and audit, ready files, and the wire names,
    // timeouts, parameters and the one status mapping (Wire/).
    .target(
      name: "EdgeServer",
      dependencies: [
        "EdgeWire", "EdgeProto", "EdgeRuntime", "EdgeRouting", "EdgeSecurity", "EdgeObservability",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HTTPTypes", package: "swift-http-types"),
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
        .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "X509", package: "swift-certificates"),
        .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "NIOTLS", package: "swift-nio"),
        .product(name: "NIOHTTP2", package: "swift-nio-http2"),
        .product(name: "NIOHPACK", package: "swift-nio-http2"),
        .product(name: "SwiftASN1", package: "swift-asn1"),
      ],
      swiftSettings: swiftSettings
    ),
    // The router: forwarding, attempts, the registry service, health checks, metrics,
    // residency and usage.
    .target(
      name: "EdgeRouterService",
      dependencies: [
        "EdgeServer", "EdgeWire", "EdgeProto", "EdgeRuntime", "EdgeRouting", "EdgeSecurity", "EdgeMetering", "EdgeObservability",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HTTPTypes", package: "swift-http-types"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "Tracing", package: "swift-distributed-tracing"),
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
        .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
      ],
      swiftSettings: swiftSettings
    ),
    // The node: its inference service, batchers, the executors it drives, heartbeats.
    .target(
      name: "EdgeNodeService",
      dependencies: [
        "EdgeServer", "EdgeWire", "EdgeProto", "EdgeRuntime", "EdgeRouting", "EdgeSecurity", "EdgeBatching", "EdgeObservability",
        .product(name: "Tracing", package: "swift-distributed-tracing"),
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
        .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
      ],
      swiftSettings: swiftSettings
    ),
    // A separate executor process (`edge-node --executor`).
    .target(
      name: "EdgeExecutorService",
      dependencies: [
        "EdgeServer", "EdgeNodeService", "EdgeProto", "EdgeRuntime", "EdgeSecurity", "EdgeObservability",
        .product(name: "Tracing", package: "swift-distributed-tracing"),
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
        .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
      ],
      swiftSettings: swiftSettings
    ),
    // Clusters of those processes: topology, compose, the local cluster and the drills.
    .target(
      name: "EdgeCluster",
      dependencies: [
        "EdgeServer", "EdgeClient", "EdgeProto", "EdgeRuntime", "EdgeRouting", "EdgeSecurity",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
        .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
      ],
      swiftSettings: swiftSettings
    ),
    .target(
      name: "EdgeClient",
      dependencies: [
        "EdgeProto", "EdgeSecurity", "EdgeRouting", "EdgeWire",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ],
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "edgeinfer",
      dependencies: [
        "EdgeClient", "EdgeServer", "EdgeCluster", "EdgeNodeService", "EdgeSecurity", "EdgeRuntime", "EdgeRouting", "EdgeProto", "EdgeMetering",
        "CEdgeKernels", "EdgeObservability",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
        .product(name: "Histogram", package: "hdrhistogram-swift"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "NIOHTTP2", package: "swift-nio-http2"),
        .product(name: "NIOHPACK", package: "swift-nio-http2"),
      ],
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "edge-router",
      dependencies: [
        "EdgeServer", "EdgeRouterService", "EdgeObservability",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Services/router",
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "edge-node",
      dependencies: [
        "EdgeServer", "EdgeNodeService", "EdgeRuntime", "EdgeObservability",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Services/node",
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "edge-executor",
      dependencies: [
        "EdgeServer", "EdgeExecutorService", "EdgeRuntime", "EdgeObservability",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Services/executor",
      swiftSettings: swiftSettings
    ),
    // Helpers shared by the test suites (temporary folders, the project's paths).
    .target(name: "EdgeTestSupport", path: "Tests/EdgeTestSupport", swiftSettings: swiftSettings),
    .testTarget(
      name: "EdgeRuntimeTests",
      dependencies: ["EdgeRuntime", "EdgeProto", "EdgeTestSupport", "CEdgeKernels"],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "EdgeBatchingTests",
      dependencies: ["EdgeBatching"],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "EdgeSecurityTests",
      dependencies: ["EdgeSecurity", "EdgeTestSupport", .product(name: "NIOSSL", package: "swift-nio-ssl")],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "EdgeClientTests",
      dependencies: ["EdgeClient", .product(name: "GRPCCore", package: "grpc-swift-2")],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "EdgeMeteringTests",
      dependencies: ["EdgeMetering"],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "EdgeWireTests",
      dependencies: [
        "EdgeWire", "EdgeProto", "EdgeRuntime", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        .product(name: "GRPCCore", package: "grpc-swift-2"), .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOHPACK", package: "swift-nio-http2"),
      ],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "EdgeRoutingTests",
      dependencies: ["EdgeRouting", "EdgeRuntime"],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "EdgeServicesTests",
      dependencies: [
        "EdgeServer", "EdgeRouterService", "EdgeNodeService", "EdgeExecutorService", "EdgeCluster",
        "EdgeClient", "EdgeSecurity", "EdgeRuntime", "EdgeProto", "EdgeRouting", "EdgeTestSupport",
        "EdgeBatching", "EdgeMetering", "EdgeWire", "EdgeObservability",
        .product(name: "CoreMetrics", package: "swift-metrics"),
        .product(name: "Tracing", package: "swift-distributed-tracing"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "X509", package: "swift-certificates"),
        .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ],
      swiftSettings: swiftSettings
    ),
  ]
)
