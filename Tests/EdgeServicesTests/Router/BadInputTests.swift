import EdgeClient
import EdgeProto
import EdgeSecurity
import EdgeCluster
import EdgeExecutorService
import EdgeNodeService
import EdgeRouterService
import EdgeServer
import EdgeWire
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing

/// Each kind of bad request gets its own clear status through the router, and the cluster goes
/// on serving everyone else.
@Suite(.serialized) struct BadInputTests {
  static func status(_ body: () async throws -> Void) async -> (RPCError.Code, String)? {
    do {
      try await body()
      return nil
    } catch let error as RPCError {
      return (error.code, error.message)
    } catch {
      return (.unknown, "\(error)")
    }
  }

  @Test func badRequestsGetClearStatusesAndOthersAreStillServed() async throws {
    let cluster = try TestCluster(maxMessageBytes: 1 << 20)
    await cluster.start()
    try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris)
    try await EdgeInferenceClient.withClient(cluster.clientConfiguration()) { client in
      let pixels = DigitsFixture.tensor(rows: 0..<1)
      let cases: [(String, RPCError.Code, String, () async throws -> Void)] = [
        ("wrong datatype", .invalidArgument, "must be FP32", {
          _ = try await client.infer(model: "digits", inputs: [InferTensor(name: "pixels", datatype: "FP64", shape: [1, 64], data: Data(count: 512))])
        }),
        ("wrong shape", .invalidArgument, "expects [batch, 64]", {
          _ = try await client.infer(model: "digits", inputs: [.fp32("pixels", shape: [1, 63], values: Array(repeating: 0, count: 63))])
        }),
        ("wrong byte size", .invalidArgument, "need 256", {
          _ = try await client.infer(model: "digits", inputs: [InferTensor(name: "pixels", datatype: "FP32", shape: [1, 64], data: Data(count: 255))])
        }),
        ("element count past the shape", .invalidArgument, "need 512", {
          _ = try await client.infer(model: "digits", inputs: [InferTensor(name: "pixels", datatype: "FP32", shape: [2, 64], data: pixels.data)])
        }),
        ("batch too large", .invalidArgument, "takes 1 to 64", {
          _ = try await client.infer(model: "digits", inputs: [.fp32("pixels", shape: [65, 64], values: Array(repeating: 0, count: 65 * 64))])
        }),
        ("missing input", .invalidArgument, "'pixels' is missing", {
          _ = try await client.infer(model: "digits", inputs: [])
        }),
        ("unknown input", .invalidArgument, "no input 'image'", {
          _ = try await client.infer(model: "digits", inputs: [pixels, InferTensor(name: "image", datatype: "FP32", shape: [1, 64], data: pixels.data)])
        }),
        ("unknown output", .invalidArgument, "no output 'logits'", {
          _ = try await client.infer(model: "digits", inputs: [pixels], outputs: ["logits"])
        }),
        ("unknown model", .notFound, "no node serves model 'nope'", {
          _ = try await client.infer(model: "nope", inputs: [pixels])
        }),
        ("unknown version", .unavailable, "version '7'", {
          _ = try await client.infer(model: "digits", version: "7", inputs: [pixels])
        }),
        ("oversized message", .resourceExhausted, "the limit is 1048576", {
          _ = try await client.infer(model: "digits", inputs: [InferTensor(name: "pixels", datatype: "FP32", shape: [1, 64], data: Data(count: 2 << 20))])
        }),
        ("deadline past the router's limit", .invalidArgument, "limit of 300 s", {
          _ = try await client.infer(model: "digits", inputs: [pixels], timeout: .seconds(3600))
        }),
        ("deadline past the node's limit", .invalidArgument, "limit of 300 s", {
          let node = try #require(cluster.nodes["node-1"]?.node)
          var direct = cluster.clientConfiguration(to: await node.listeningAddress())
          direct.timeout = .seconds(301)
          try await EdgeInferenceClient.withClient(direct) { _ = try await $0.infer(model: "digits", inputs: [pixels]) }
        }),
        ("malformed location", .invalidArgument, "x-edge-location", {
          var metadata = Metadata()
          metadata.addString("somewhere", forKey: "x-edge-location")
          _ = try await Inference_GRPCInferenceService.Client(wrapping: client.grpcClient).modelInfer(
            .with { $0.modelName = "digits" }, metadata: metadata, options: RawClient.shortCall)
        }),
        // The router forwards requests as bytes, reading only a few fields: bytes that are not a
        // ModelInferRequest are refused there, and never reach a node.
        ("bytes that are not a request", .invalidArgument, "not a valid ModelInferRequest", {
          _ = try await Self.rawInfer([0x0A, 0x40, 0x64], client: client)
        }),
        ("a model name that is not UTF-8", .invalidArgument, "not valid UTF-8", {
          _ = try await Self.rawInfer([0x0A, 0x02, 0xC3, 0x28], client: client)
        }),
        ("a model name of the wrong wire type, an unknown field to protobuf", .notFound, "no node serves model ''", {
          _ = try await Self.rawInfer([0x0D, 0, 0, 0, 0], client: client)
        }),
      ]
      for (label, code, message, call) in cases {
        let result = await Self.status(call)
        #expect(result?.0 == code, "\(label): \(String(describing: result))")
        if result?.1.contains(message) != true { Issue.record("\(label): \(String(describing: result))") }
        // Nothing a bad request does costs the next caller anything.
        let good = try await client.infer(model: "digits", inputs: [pixels])
        #expect(good.output("class")?.int64s == [Int64(DigitsFixture.split.labels[0])], "after \(label)")
      }
    }
    await cluster.stop()
  }

  /// Sends `bytes` as a ModelInferRequest, unchecked, as a broken or hostile client could.
  static func rawInfer(_ bytes: [UInt8], client: EdgeInferenceClient) async throws -> [UInt8] {
    try await client.grpcClient.unary(
      request: ClientRequest(message: bytes), descriptor: Inference_GRPCInferenceService.Method.ModelInfer.descriptor,
      serializer: RawMessageSerializer(), deserializer: RawMessageDeserializer(), options: RawClient.shortCall
    ) { try $0.message }
  }

  @Test func typedContentsAreAcceptedLikeRawOnes() async throws {
    let cluster = try TestCluster()
    await cluster.start()
    let node = try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris)
    let address = await node.listeningAddress()
    try await RawClient.with(address, security: cluster.pki.identity("client").clientSecurity()) { raw in
      let response = try await Inference_GRPCInferenceService.Client(wrapping: raw).modelInfer(
        .with {
          $0.modelName = "digits"
          $0.inputs = [.with {
            $0.name = "pixels"
            $0.datatype = "FP32"
            $0.shape = [1, 64]
            $0.contents.fp32Contents = DigitsFixture.split.inputs[0]
          }]
        }, options: RawClient.shortCall)
      #expect(response.outputs.map(\.name) == ["probabilities", "class"])
      #expect(response.rawOutputContents.map(\.count) == [40, 8])
      #expect(response.parameters["edge_node"]?.stringParam == "node-1")
    }
    await cluster.stop()
  }
}
