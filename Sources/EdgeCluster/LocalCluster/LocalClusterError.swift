import EdgeServer
/// Why a local cluster could not start or become ready.
public struct LocalClusterError: Error, CustomStringConvertible {
  public var description: String
  public init(_ description: String) { self.description = description }
}
