import Foundation
import GRPCCore
import NIOCore
import NIOHPACK

/// What gRPC's HTTP/2 mapping puts in headers, for the front's own answers and the requests it
/// reads: the response head, the trailers of a status, and a request's metadata.
enum GRPCFrames {
  static let responseHead = HPACKHeaders([(":status", "200"), ("content-type", "application/grpc")])
  static let okTrailers = HPACKHeaders([("grpc-status", "0")])

  /// A trailers-only answer carrying `error` (status, percent-encoded message, its metadata).
  static func trailersOnly(_ error: RPCError) -> HPACKHeaders {
    var headers = responseHead
    headers.add(name: "grpc-status", value: String(error.code.rawValue))
    if !error.message.isEmpty { headers.add(name: "grpc-message", value: percentEncoded(error.message)) }
    for (key, value) in error.metadata {
      let name = key.lowercased()
      guard !name.hasPrefix(":"), name != "grpc-status", name != "grpc-message", name != "content-type" else { continue }
      switch value {
      case .string(let text): headers.add(name: name, value: text)
      case .binary(let bytes): headers.add(name: name, value: Data(bytes).base64EncodedString())
      }
    }
    return headers
  }

  /// gRPC's percent-encoding of `grpc-message`: printable ASCII except `%` as is, every other
  /// byte of the UTF-8 as `%XX`.
  static func percentEncoded(_ message: String) -> String {
    var encoded = ""
    encoded.reserveCapacity(message.utf8.count)
    for byte in message.utf8 {
      if byte >= 0x20, byte <= 0x7E, byte != UInt8(ascii: "%") {
        encoded.unicodeScalars.append(Unicode.Scalar(byte))
      } else {
        encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
      }
    }
    return encoded
  }

  /// Headers that are the transport's, not the caller's metadata.
  private static let transportHeaders: Set<String> = ["te", "content-type", "user-agent", "grpc-accept-encoding", "grpc-encoding"]

  /// The caller's metadata in a request's headers (`-bin` values decoded from base64).
  static func metadata(of headers: HPACKHeaders) -> Metadata {
    var metadata = Metadata()
    for (name, value, _) in headers where !name.hasPrefix(":") && !transportHeaders.contains(name) {
      if name.hasSuffix("-bin") {
        if let bytes = Data(base64Encoded: value) ?? Data(base64Encoded: value.paddedToBase64()) {
          metadata.addBinary(Array(bytes), forKey: name)
        }
      } else {
        metadata.addString(value, forKey: name)
      }
    }
    return metadata
  }
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String {
    count >= width ? self : String(repeating: "0", count: width - count) + self
  }

  /// gRPC allows unpadded base64 in `-bin` headers.
  fileprivate func paddedToBase64() -> String {
    let remainder = count % 4
    return remainder == 0 ? self : self + String(repeating: "=", count: 4 - remainder)
  }
}
