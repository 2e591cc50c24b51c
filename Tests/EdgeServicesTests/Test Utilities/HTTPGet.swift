import EdgeSecurity
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// An HTTP/1.1 GET over a plain loopback socket, enough to read a metrics page: the status code
/// and the body (by content-length).
enum HTTPGet {
  struct Failure: Error, CustomStringConvertible { var description: String }

  /// The socket calls block, so they run on a thread of their own: on one of Swift's few
  /// cooperative threads they would hold up the server tasks that answer them (and every other
  /// test's), until the read timed out.
  static func fetch(_ address: ServiceAddress, path: String, method: String = "GET") async throws -> (status: Int, body: String) {
    try await withCheckedThrowingContinuation { continuation in
      let thread = Thread {
        continuation.resume(with: Result { try blockingFetch(address, path: path, method: method) })
      }
      thread.start()
    }
  }

  private static func blockingFetch(_ address: ServiceAddress, path: String, method: String) throws -> (status: Int, body: String) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw Failure(description: "socket() failed") }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var peer = sockaddr_in()
    peer.sin_family = sa_family_t(AF_INET)
    peer.sin_port = in_port_t(UInt16(address.port).bigEndian)
    peer.sin_addr.s_addr = inet_addr(address.host)
    let connected = withUnsafePointer(to: &peer) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw Failure(description: "connect to \(address) failed") }
    let request = Array("\(method) \(path) HTTP/1.1\r\nHost: \(address.host)\r\n\r\n".utf8)
    guard send(fd, request, request.count, 0) == request.count else { throw Failure(description: "send failed") }
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = recv(fd, &buffer, buffer.count, 0)
      guard count > 0 else { throw Failure(description: "connection ended after \(received.count) bytes") }
      received += buffer[0..<count]
      let text = String(decoding: received, as: UTF8.self)
      guard let split = text.range(of: "\r\n\r\n") else { continue }
      let head = text[..<split.lowerBound]
      let length = head.split(separator: "\r\n").compactMap { line -> Int? in
        let parts = line.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
        return Int(parts[1].trimmingCharacters(in: .whitespaces))
      }.first ?? 0
      let body = Array(text[split.upperBound...].utf8)
      guard body.count >= length else { continue }
      let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
      return (status, String(decoding: body.prefix(length), as: UTF8.self))
    }
  }
}
