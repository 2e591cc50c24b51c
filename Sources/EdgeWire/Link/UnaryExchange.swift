import Foundation
import GRPCCore
import NIOCore
import NIOHPACK

/// One unary gRPC call's answer as it arrives on an HTTP/2 stream, and what it amounts to: the
/// single response message, or the error the node gave (status, message and trailing metadata,
/// as grpc-swift's client would report it, so the router's failover rules read it unchanged) or
/// the protocol broke. Pure: frames in, a result out.
struct UnaryExchange {
  /// The largest answer taken (grpc-swift's client default, which the router used before).
  var maximumResponseBytes: Int
  private(set) var httpStatus: Int?
  private var body: ByteBuffer?

  init(maximumResponseBytes: Int) {
    self.maximumResponseBytes = maximumResponseBytes
  }

  enum Step {
    /// More frames to come.
    case `continue`
    /// The call is over.
    case finished(Result<[UInt8], RPCError>)
  }

  /// A HEADERS frame: the response head first, then (or alone, for a trailers-only answer) the
  /// trailers that end the call.
  mutating func receive(headers: HPACKHeaders, endStream: Bool) -> Step {
    if httpStatus == nil {
      guard let status = headers.first(name: ":status").flatMap(Int.init) else {
        return .finished(.failure(RPCError(code: .internalError, message: "node answered without an HTTP status")))
      }
      httpStatus = status
      guard status == 200 else {
        return .finished(.failure(RPCError(code: Self.code(httpStatus: status), message: "node answered HTTP \(status)")))
      }
      // A trailers-only answer carries the gRPC status in the head.
      return endStream ? .finished(finish(trailers: headers)) : .continue
    }
    guard endStream else {
      return .finished(.failure(RPCError(code: .internalError, message: "node sent headers after the response head")))
    }
    return .finished(finish(trailers: headers))
  }

  /// A DATA frame's bytes.
  mutating func receive(data: ByteBuffer, endStream: Bool) -> Step {
    guard httpStatus != nil else {
      return .finished(.failure(RPCError(code: .internalError, message: "node sent data before the response head")))
    }
    if (body?.readableBytes ?? 0) + data.readableBytes > maximumResponseBytes + 5 {
      return .finished(.failure(RPCError(
        code: .resourceExhausted, message: "node's answer exceeds \(maximumResponseBytes) bytes")))
    }
    if body == nil {
      body = data
    } else {
      var incoming = data
      body!.writeBuffer(&incoming)
    }
    if endStream {
      return .finished(.failure(RPCError(code: .internalError, message: "node ended the stream without a gRPC status")))
    }
    return .continue
  }

  private func finish(trailers: HPACKHeaders) -> Result<[UInt8], RPCError> {
    guard let statusText = trailers.first(name: "grpc-status"), let raw = Int(statusText),
      let status = Status.Code(rawValue: raw)
    else {
      return .failure(RPCError(code: .internalError, message: "node's answer has no valid grpc-status"))
    }
    guard status == .ok else {
      let message = trailers.first(name: "grpc-message").map { $0.removingPercentEncoding ?? $0 } ?? ""
      return .failure(RPCError(code: RPCError.Code(status)!, message: message, metadata: Self.metadata(trailers)))
    }
    guard var body, body.readableBytes >= 5, let compressed = body.readInteger(as: UInt8.self),
      let length = body.readInteger(as: UInt32.self)
    else {
      return .failure(RPCError(code: .internalError, message: "node answered OK without a message"))
    }
    guard compressed == 0 else {
      return .failure(RPCError(code: .internalError, message: "node compressed its answer, which was not asked for"))
    }
    guard Int(length) == body.readableBytes else {
      return .failure(RPCError(
        code: .internalError, message: "node's answer is not one message (\(length) bytes declared, \(body.readableBytes) sent)"))
    }
    return .success(body.readBytes(length: Int(length)) ?? [])
  }

  /// Trailing metadata as a gRPC client sees it: the reserved HTTP/2 and gRPC fields left out.
  private static func metadata(_ trailers: HPACKHeaders) -> Metadata {
    var metadata = Metadata()
    for (name, value, _) in trailers where !name.hasPrefix(":") && name != "grpc-status" && name != "grpc-message"
      && name != "content-type"
    {
      if name.hasSuffix("-bin"), let bytes = Data(base64Encoded: value) {
        metadata.addBinary(Array(bytes), forKey: name)
      } else {
        metadata.addString(value, forKey: name)
      }
    }
    return metadata
  }

  /// gRPC's mapping of an HTTP status that is not 200 (the call never reached a gRPC server).
  static func code(httpStatus: Int) -> RPCError.Code {
    switch httpStatus {
    case 400: return .internalError
    case 401: return .unauthenticated
    case 403: return .permissionDenied
    case 404: return .unimplemented
    case 429, 502, 503, 504: return .unavailable
    default: return .unknown
    }
  }
}
