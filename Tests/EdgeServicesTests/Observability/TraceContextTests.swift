import EdgeClient
import EdgeNodeService
import EdgeObservability
import EdgeSecurity
import EdgeProto
import EdgeRouterService
import EdgeServer
import GRPCCore
import Testing

/// W3C trace context: what `traceparent` values are taken, how a hop is named, and that the
/// client's trace id comes back through the router and from a node called directly.
struct TraceContextTests {
  static let valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

  @Test func validHeadersAreReadAndInvalidOnesRefused() {
    let context = TraceContext(traceparent: Self.valid, tracestate: "vendor=1")
    #expect(context?.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
    #expect(context?.parentID == "00f067aa0ba902b7")
    #expect(context?.flags == "01")
    #expect(context?.traceparent == Self.valid)
    #expect(context?.headers.map(\.0) == ["traceparent", "tracestate"])
    // A later version may append fields; version 00 may not.
    #expect(TraceContext(traceparent: "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra") != nil)
    for invalid in [
      "", "00", Self.valid + "-extra", Self.valid.uppercased(),
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // version ff
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // zero trace id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // zero parent id
      "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",  // short trace id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",  // short flags
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bz-01",  // not hex
      "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
    ] {
      #expect(TraceContext(traceparent: invalid) == nil, "\(invalid)")
    }
    // A tracestate over the specification's 512 characters is dropped, the context kept.
    let long = TraceContext(traceparent: Self.valid, tracestate: String(repeating: "a", count: 513))
    #expect(long != nil && long?.state == nil)
  }

  @Test func aChildKeepsTheTraceAndNamesItsOwnParent() {
    var random = SplitMixForTests(seed: 7)
    let started = TraceContext.start(using: &random)
    #expect(TraceContext(traceparent: started.traceparent) == started)
    let child = started.child(using: &random)
    #expect(child.traceID == started.traceID && child.flags == started.flags)
    #expect(child.parentID != started.parentID)
    #expect(TraceContext(traceparent: child.traceparent) != nil)
    var again = SplitMixForTests(seed: 7)
    #expect(TraceContext.start(using: &again) == started, "seeded ids repeat")
    #expect(TraceContext.start() != TraceContext.start())
  }

  @Test func theClientsTraceIdComesBackThroughTheRouterAndFromANode() async throws {
    let cluster = try TestCluster()
    await cluster.start()
    let node = try await cluster.startNode("node-1", region: "eu-west", at: TestCluster.paris)
    func traceID(from address: ServiceAddress, identity: String?, metadata: Metadata) async throws -> String? {
      let security = identity.map { cluster.pki.identity($0).clientSecurity() } ?? cluster.pki.identity("client").clientSecurity()
      return try await RawClient.with(address, security: security) { client in
        let answer = try await Inference_GRPCInferenceService.Client(wrapping: client).modelInfer(
          DigitsFixture.request(rows: 0..<1), metadata: metadata, options: RawClient.shortCall)
        if case .stringParam(let id) = answer.parameters["edge_trace_id"]?.parameterChoice { return id }
        return nil
      }
    }
    let router = cluster.routerAddresses.clients
    #expect(try await traceID(from: router, identity: nil, metadata: ["traceparent": .string(Self.valid)]) == "4bf92f3577b34da6a3ce929d0e0e4736")
    #expect(try await traceID(from: node.listeningAddress(), identity: "router", metadata: ["traceparent": .string(Self.valid)])
      == "4bf92f3577b34da6a3ce929d0e0e4736")
    // Without one (or with a malformed one) each request starts a trace of its own.
    let first = try #require(try await traceID(from: router, identity: nil, metadata: [:]))
    let second = try #require(try await traceID(from: router, identity: nil, metadata: ["traceparent": .string("garbage")]))
    #expect(first.count == 32 && second.count == 32 && first != second)
    #expect(TraceContext(traceparent: "00-\(first)-00f067aa0ba902b7-01") != nil)
    await cluster.stop()
  }
}

/// A seeded generator for repeatable ids.
struct SplitMixForTests: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
