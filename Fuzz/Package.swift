// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for the code that reads untrusted bytes: inference requests (protobuf and
// validation), the router's wire scanner (against SwiftProtobuf's decoding), BYTES tensors, the
// tokenizer, safetensors files and config.pbtxt. A package of
// its own because every target is built with `--sanitize=fuzzer` (libFuzzer supplies `main`);
// dev/fuzz.sh builds and runs them.
let package = Package(
  name: "EdgeInferFuzz",
  platforms: [.macOS(.v15)],
  dependencies: [
    .package(name: "EdgeInfer", path: ".."),
    .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
  ],
  targets: [
    .executableTarget(
      name: "FuzzInferRequest",
      dependencies: [
        .product(name: "EdgeRuntime", package: "EdgeInfer"), .product(name: "EdgeProto", package: "EdgeInfer"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ]),
    .executableTarget(
      name: "FuzzWireScanner",
      dependencies: [
        .product(name: "EdgeWire", package: "EdgeInfer"), .product(name: "EdgeRuntime", package: "EdgeInfer"),
        .product(name: "EdgeProto", package: "EdgeInfer"), .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ]),
    .executableTarget(name: "FuzzBytesTensor", dependencies: [.product(name: "EdgeRuntime", package: "EdgeInfer")]),
    .executableTarget(name: "FuzzTokenizer", dependencies: [.product(name: "EdgeRuntime", package: "EdgeInfer")]),
    .executableTarget(name: "FuzzSafeTensors", dependencies: [.product(name: "EdgeRuntime", package: "EdgeInfer")]),
    .executableTarget(
      name: "FuzzModelConfig",
      dependencies: [.product(name: "EdgeRuntime", package: "EdgeInfer"), .product(name: "EdgeProto", package: "EdgeInfer")]),
  ]
)
