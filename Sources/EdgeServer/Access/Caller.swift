public import EdgeRouting
public import EdgeSecurity

/// The caller of the call being served, as the access check let it in: handlers read it for
/// residency bounds and usage, without a parameter through every layer. Set by
/// AccessInterceptor for the duration of the handler.
public struct Caller: Sendable {
  public var credential: Credential
  /// The regions the caller's API key is bound to, if any.
  public var keyRegions: ResidencyBound?
  /// The transport's description of the peer.
  public var peer: String
  /// The call's `x-edge-residency` values, as sent, for handlers that see no metadata.
  public var askedResidency: [String]

  public init(credential: Credential, keyRegions: ResidencyBound? = nil, peer: String = "", askedResidency: [String] = []) {
    self.credential = credential
    self.keyRegions = keyRegions
    self.peer = peer
    self.askedResidency = askedResidency
  }

  @TaskLocal public static var current: Caller?
}
