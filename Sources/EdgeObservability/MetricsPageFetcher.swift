public import EdgeSecurity
import NIOCore
import NIOHTTP1
import NIOPosix

/// Reads a metrics page over plain HTTP/1.1 (`edgeinfer top`): one GET per call on a fresh
/// connection, the body whole, within `timeout`.
public enum MetricsPageFetcher {
  public struct Failure: Error, CustomStringConvertible {
    public var description: String
  }

  /// `url`: `http://HOST:PORT/PATH`.
  public static func fetch(_ url: String, timeout: Duration = .seconds(2)) async throws -> String {
    guard url.hasPrefix("http://") else { throw Failure(description: "'\(url)' is not an http:// address") }
    let rest = url.dropFirst("http://".count)
    let slash = rest.firstIndex(of: "/") ?? rest.endIndex
    let address = try ServiceAddress(parsing: String(rest[..<slash]))
    let path = slash == rest.endIndex ? "/metrics" : String(rest[slash...])
    return try await withThrowingTaskGroup(of: String.self) { group in
      group.addTask { try await get(address, path: path) }
      group.addTask {
        try await Task.sleep(for: timeout)
        throw Failure(description: "\(url) did not answer within \(timeout)")
      }
      defer { group.cancelAll() }
      return try await group.next()!
    }
  }

  private static func get(_ address: ServiceAddress, path: String) async throws -> String {
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .connectTimeout(.seconds(2))
      .connect(host: address.host, port: address.port) { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHTTPClientHandlers()
          return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
        }
      }
    return try await channel.executeThenClose { inbound, outbound in
      var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
      head.headers.add(name: "host", value: address.description)
      head.headers.add(name: "connection", value: "close")
      try await outbound.write(.head(head))
      try await outbound.write(.end(nil))
      var status: HTTPResponseStatus = .ok
      var body = ByteBuffer()
      for try await part in inbound {
        switch part {
        case .head(let response): status = response.status
        case .body(var chunk):
          // A metrics page is kilobytes; a peer that sends more is not one.
          guard body.readableBytes + chunk.readableBytes <= 16 << 20 else { throw Failure(description: "the page exceeds 16 MiB") }
          body.writeBuffer(&chunk)
        case .end:
          guard status == .ok else { throw Failure(description: "GET \(path) answered \(status.code)") }
          return String(buffer: body)
        }
      }
      throw Failure(description: "the connection closed before the page ended")
    }
  }
}
