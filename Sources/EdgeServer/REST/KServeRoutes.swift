import EdgeObservability
import EdgeProto
import Foundation
import GRPCCore
import HTTPTypes
package import Hummingbird
import NIOCore
import SwiftProtobuf

/// The Open Inference Protocol's HTTP binding (KServe v2, as Triton serves it) on a service's
/// HTTP listener: health, server metadata and infer. Infer is the gRPC binding's own call: the
/// JSON (or Triton's binary extension) becomes the ModelInferRequest a gRPC client would send,
/// and goes through the same access check and handler as the front's ModelInfer (FrontRoute), so
/// the router forwards it on its gRPC data plane like any other. Errors are the call's status
/// mapped to HTTP in one place (`RPCError.Code.httpStatus`), with `{"error": "..."}`.
package enum KServeRoutes {
  /// The request headers passed on as the call's metadata: the credential, the routing and
  /// residency headers, the deadline and the trace context. (`x-edge-peer` is the front's own,
  /// never a client's.)
  static func metadata(_ headers: HTTPFields) -> Metadata {
    var metadata = Metadata()
    for field in headers {
      let name = field.name.canonicalName
      guard name == "authorization" || name == "grpc-timeout" || name == "traceparent" || name == "tracestate"
        || (name.hasPrefix("x-edge-") && name != FrontListener.peerKey)
      else { continue }
      metadata.addString(field.value, forKey: name)
    }
    return metadata
  }

  static let headerLengthField = HTTPField.Name("Inference-Header-Content-Length")!

  package static func add(
    to router: Router<BasicRequestContext>, live: @escaping @Sendable () -> Bool, ready: @escaping @Sendable () -> Bool,
    infer: FrontRoute, maxRequestBytes: Int
  ) {
    router.get("/v2/health/live") { _, _ in Response(status: live() ? .ok : .serviceUnavailable) }
    router.get("/v2/health/ready") { _, _ in Response(status: ready() ? .ok : .serviceUnavailable) }
    router.get("/v2") { _, _ in
      json(["name": ServerInfo.name, "version": ServerInfo.version, "extensions": ServerInfo.extensions])
    }
    let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, context in
      let model = context.parameters.get("model") ?? ""
      let version = context.parameters.get("version") ?? ""
      return await inferAnswer(request, model: model, version: version, route: infer, maxRequestBytes: maxRequestBytes)
    }
    router.post("/v2/models/:model/infer", use: handler)
    router.post("/v2/models/:model/versions/:version/infer", use: handler)
  }

  private static func inferAnswer(
    _ request: Request, model: String, version: String, route: FrontRoute, maxRequestBytes: Int
  ) async -> Response {
    if let encoding = request.headers[.contentEncoding], encoding.lowercased() != "identity" {
      return error(415, "Content-Encoding '\(encoding)' is not supported; send the body uncompressed")
    }
    let headerLength: Int?
    if let value = request.headers[headerLengthField] {
      guard let length = Int(value) else { return error(400, "Inference-Header-Content-Length must be a number of bytes") }
      headerLength = length
    } else {
      headerLength = nil
    }
    var call = FrontCall(
      descriptor: Inference_GRPCInferenceService.Method.ModelInfer.descriptor, message: [],
      metadata: metadata(request.headers), peer: "rest", peerNames: nil)
    let caller: Caller
    do {
      caller = try route.admit(call)
    } catch {
      return rpcError(error)
    }
    let body: ByteBuffer
    do {
      body = try await request.body.collect(upTo: maxRequestBytes)
    } catch {
      return self.error(413, "the request body is over \(maxRequestBytes) bytes")
    }
    do throws(RESTError) {
      let (message, binary) = try RESTInferCodec.request(
        model: model, version: version, body: Array(buffer: body), headerLength: headerLength)
      call.message = (try? message.serializedBytes()) ?? []
      let answer: Inference_ModelInferResponse
      do {
        answer = try Inference_ModelInferResponse(serializedBytes: try await route.handle(call, caller))
      } catch {
        return rpcError(error)
      }
      let (out, length) = try RESTInferCodec.response(answer, binary: binary)
      var headers: HTTPFields = [.contentType: length == nil ? "application/json" : "application/octet-stream"]
      if let length { headers[headerLengthField] = "\(length)" }
      return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: out)))
    } catch {
      return self.error(error.status, error.message)
    }
  }

  static func rpcError(_ error: any Error) -> Response {
    guard let error = error as? RPCError else { return self.error(500, "\(error)") }
    var response = self.error(error.code.httpStatus, error.message)
    if let pushback = error.metadata[stringValues: "grpc-retry-pushback-ms"].first(where: { _ in true }), let ms = Int(pushback) {
      response.headers[.retryAfter] = "\(max(1, (ms + 999) / 1000))"
    }
    return response
  }

  static func error(_ status: Int, _ message: String) -> Response {
    let body = (try? JSONSerialization.data(withJSONObject: ["error": message])) ?? Data()
    return Response(
      status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
      body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
  }

  static func json(_ object: [String: Any]) -> Response {
    let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
  }
}
