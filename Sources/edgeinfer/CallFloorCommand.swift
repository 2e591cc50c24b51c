import ArgumentParser
import Foundation
import NIOCore
import NIOHTTP2
import NIOPosix
import NIOSSL

/// The least a unary gRPC call over TLS can cost a server written on swift-nio-http2 here: a
/// server that answers every call with a `ServerLiveResponse { live: true }` straight from the
/// connection's HTTP/2 frames, with no stream channels, no tasks and no protobuf decoding. Run
/// against the router's own `ServerLive` with the same client (dev/router-cost.sh with
/// FLOOR=1), it bounds what a forwarding path written on swift-nio-http2 could save per hop.
struct CallFloorCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "call-floor",
    abstract: "Serve the cheapest possible gRPC unary answer over TLS (a measuring baseline, not a service).")

  @Option(help: "HOST:PORT to listen on.") var listen: String
  @Option(help: "CA certificate that client certificates must chain to (PEM).") var ca: String
  @Option(help: "Server certificate (PEM).") var cert: String
  @Option(help: "Server private key (PEM).") var key: String
  @Option(help: "Stop after this many seconds.") var seconds: Double = 600

  func run() async throws {
    guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
      throw ValidationError("--listen must be HOST:PORT")
    }
    let host = String(listen[..<colon])
    var tls = TLSConfiguration.makeServerConfiguration(
      certificateChain: try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) },
      privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
    tls.trustRoots = .file(ca)
    tls.certificateVerification = .noHostnameVerification
    tls.applicationProtocols = ["h2"]
    let context = try NIOSSLContext(configuration: tls)
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let channel = try await ServerBootstrap(group: group)
      .serverChannelOption(.backlog, value: 256)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
      .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
          try channel.pipeline.syncOperations.addHandler(NIOHTTP2Handler(mode: .server))
          try channel.pipeline.syncOperations.addHandler(UnaryFloorHandler())
        }
      }
      .bind(host: host, port: port).get()
    print("call-floor listening on \(listen)")
    try await Task.sleep(for: .seconds(seconds))
    try await channel.close()
    try await group.shutdownGracefully()
  }
}
