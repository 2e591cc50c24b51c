import ArgumentParser
import EdgeClient
import EdgeProto
import EdgeServer
import GRPCCore
import GRPCNIOTransportHTTP2
import NIOCore
import NIOPosix
import SwiftProtobuf

/// How `bench serve` sends its requests. The gRPC client is what applications use; the lean
/// wire (the router's own link to nodes, NodeLink: one HEADERS and one DATA frame per call on a
/// swift-nio-http2 connection) costs the load generator a fraction of the CPU, which matters
/// when it shares the machine's cores with the servers it overloads.
enum ServeWire: String, ExpressibleByArgument, CaseIterable {
  case grpc
  case link

  /// Sends `requests[index]` by gRPC's generated client.
  static func grpc(
    _ stub: Inference_GRPCInferenceService.Client<HTTP2ClientTransport.Posix>, requests: [Inference_ModelInferRequest],
    metadata: Metadata, options: CallOptions
  ) -> @Sendable (Int) async -> ServeTally.Outcome {
    { index in
      do {
        _ = try await stub.modelInfer(requests[index], metadata: metadata, options: options)
        return .ok
      } catch {
        return outcome(of: error)
      }
    }
  }

  /// Sends `requests[index]` over `link`, serialized once up front. The deadline travels in
  /// `grpc-timeout` and is kept here too: at the deadline the call is cancelled (its stream
  /// reset), as gRPC's client does.
  static func link(
    _ link: NodeLink, requests: [Inference_ModelInferRequest], metadata: Metadata, deadline: Duration?
  ) throws -> @Sendable (Int) async -> ServeTally.Outcome {
    let messages: [[UInt8]] = try requests.map { try $0.serializedBytes() }
    var headers: [(String, String)] = metadata.compactMap { key, value in
      if case .string(let text) = value { (key, text) } else { nil }
    }
    if let deadline { headers.append(("grpc-timeout", GRPCTimeout.format(deadline))) }
    let fixed = headers
    let path = "/" + Inference_GRPCInferenceService.Method.ModelInfer.descriptor.fullyQualifiedMethod
    let timers = MultiThreadedEventLoopGroup.singleton
    return { index in
      let started = ContinuousClock.now
      let call = Task { try await link.unary(path: path, metadata: fixed, message: messages[index]) }
      let timer = deadline.map { deadline in
        timers.next().scheduleTask(in: .nanoseconds(Int64(deadline / .nanoseconds(1)))) { call.cancel() }
      }
      defer { timer?.cancel() }
      do {
        _ = try await call.value
        return .ok
      } catch {
        // Cancelled by the timer above: the deadline's status, as gRPC's client reports it.
        if let deadline, ContinuousClock.now >= started + deadline {
          return .failed(.deadlineExceeded, "the deadline passed (the client cancelled the call)")
        }
        return outcome(of: error)
      }
    }
  }

  private static func outcome(of error: any Error) -> ServeTally.Outcome {
    if let error = error as? RPCError { return .failed(error.code, error.message) }
    return .failed(.unknown, "\(error)")
  }
}
