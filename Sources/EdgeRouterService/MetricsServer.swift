public import EdgeSecurity
import NIOCore
import NIOHTTP1
import NIOPosix
import EdgeServer

/// A plain HTTP/1.1 listener answering `GET /metrics` with the Prometheus text format, the way
/// Prometheus scrapes. It serves no data beyond counters and node ids, so it is plaintext and
/// belongs on an operator's network, not the internet.
public struct MetricsServer: Sendable {
  public let listen: ServiceAddress
  private let render: @Sendable () -> String

  public init(listen: ServiceAddress, render: @escaping @Sendable () -> String) {
    self.listen = listen
    self.render = render
  }

  /// Serves until cancelled; `onBound` gets the address once the port is bound.
  public func run(onBound: @Sendable (ServiceAddress) -> Void = { _ in }) async throws {
    let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .bind(host: listen.host, port: listen.port) { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.configureHTTPServerPipeline()
          return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
        }
      }
    onBound(ServiceAddress(host: listen.host, port: server.channel.localAddress?.port ?? listen.port))
    try await withThrowingDiscardingTaskGroup { group in
      try await server.executeThenClose { connections in
        for try await connection in connections {
          group.addTask { try? await answer(connection) }
        }
      }
    }
  }

  private func answer(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async throws {
    try await connection.executeThenClose { inbound, outbound in
      var head: HTTPRequestHead?
      for try await part in inbound {
        switch part {
        case .head(let received): head = received
        case .body: continue
        case .end:
          guard let request = head else { return }
          let (status, body): (HTTPResponseStatus, String) =
            switch (request.method, request.uri.split(separator: "?").first ?? "") {
            case (.GET, "/metrics"): (.ok, render())
            case (_, "/metrics"): (.methodNotAllowed, "only GET\n")
            default: (.notFound, "metrics are at /metrics\n")
            }
          var headers = HTTPHeaders()
          headers.add(name: "content-type", value: "text/plain; version=0.0.4; charset=utf-8")
          headers.add(name: "content-length", value: String(body.utf8.count))
          try await outbound.write(.head(HTTPResponseHead(version: request.version, status: status, headers: headers)))
          try await outbound.write(.body(.byteBuffer(ByteBuffer(string: body))))
          try await outbound.write(.end(nil))
          head = nil
        }
      }
    }
  }
}
