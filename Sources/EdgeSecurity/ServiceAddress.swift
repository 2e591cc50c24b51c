public import GRPCNIOTransportHTTP2

/// A `host:port` (or `[v6]:port`) that a component listens on or dials.
public struct ServiceAddress: Sendable, Hashable, CustomStringConvertible {
  public var host: String
  public var port: Int

  public init(host: String, port: Int) {
    self.host = host
    self.port = port
  }

  public init(parsing text: String) throws(ServiceAddressError) {
    var host: Substring
    let portText: Substring
    if text.hasPrefix("[") {
      guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
        throw ServiceAddressError(text: text)
      }
      host = text[text.index(after: text.startIndex)..<close]
      portText = text[text.index(close, offsetBy: 2)...]
    } else {
      guard let colon = text.lastIndex(of: ":") else { throw ServiceAddressError(text: text) }
      host = text[..<colon]
      portText = text[text.index(after: colon)...]
    }
    guard !host.isEmpty, let port = Int(portText), (0...65535).contains(port) else {
      throw ServiceAddressError(text: text)
    }
    if host == "*" { host = "0.0.0.0" }
    self.init(host: String(host), port: port)
  }

  public var isIPv6: Bool { IPAddressBytes.parse(host)?.count == 16 }
  public var isIPv4: Bool { IPAddressBytes.parse(host)?.count == 4 }

  /// The gRPC target to dial.
  public var target: any ResolvableTarget {
    if isIPv4 { return .ipv4(address: host, port: port) }
    if isIPv6 { return .ipv6(address: host, port: port) }
    return .dns(host: host, port: port)
  }

  /// The listening address to bind.
  public var bindTarget: GRPCNIOTransportCore.SocketAddress {
    isIPv6 ? .ipv6(host: host, port: port) : .ipv4(host: host == "localhost" ? "127.0.0.1" : host, port: port)
  }

  public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// An address that is not `host:port`.
public struct ServiceAddressError: Error, Sendable, Equatable, CustomStringConvertible {
  public var text: String
  public init(text: String) { self.text = text }
  public var description: String { "'\(text)' is not HOST:PORT" }
}
