public import EdgeSecurity

extension ServiceAddress {
  /// An operator listener's address (`--metrics-listen`): `HOST:PORT`, or a bare `PORT`, which
  /// binds loopback, so a page that shows a service's internals is not served to every network
  /// by accident.
  public init(listener text: String) throws(ServiceAddressError) {
    if let port = Int(text) {
      guard (0...65535).contains(port) else { throw ServiceAddressError(text: text) }
      self.init(host: "127.0.0.1", port: port)
    } else {
      try self.init(parsing: text)
    }
  }
}
