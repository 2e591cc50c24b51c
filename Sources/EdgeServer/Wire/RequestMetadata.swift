public import EdgeRouting
public import GRPCCore

/// The metadata keys clients use to steer routing.
public enum RequestMetadata {
  /// `<lat>,<lon>` in degrees: where the client is.
  public static let location = "x-edge-location"

  /// The client's location, nil when it sent none; a malformed one is the caller's error.
  public static func location(in metadata: Metadata) throws(RPCError) -> GeoPoint? {
    guard let text = metadata[stringValues: location].first(where: { _ in true }) else { return nil }
    do {
      return try GeoPoint(parsing: text)
    } catch {
      throw RPCError(code: .invalidArgument, message: "\(location): \(error)")
    }
  }

  /// `nearest` (default), `background` or `pin:<node-id>`: how to place the request.
  public static let route = "x-edge-route"

  public static func routeMode(in metadata: Metadata) throws(RPCError) -> RouteMode {
    guard let text = metadata[stringValues: route].first(where: { _ in true }) else { return .nearest }
    guard let mode = RouteMode(parsing: text) else {
      throw RPCError(code: .invalidArgument, message: "\(route) must be nearest, background or pin:<node-id>, not '\(text)'")
    }
    return mode
  }

  /// Milliseconds after which a second attempt goes to the next node (hedging), opt-in.
  public static let hedge = "x-edge-hedge"

  public static func hedgeDelay(in metadata: Metadata) throws(RPCError) -> Duration? {
    guard let text = metadata[stringValues: hedge].first(where: { _ in true }) else { return nil }
    guard let milliseconds = Int(text), milliseconds >= 0, milliseconds <= 600_000 else {
      throw RPCError(code: .invalidArgument, message: "\(hedge) must be whole milliseconds from 0 to 600000, not '\(text)'")
    }
    return .milliseconds(milliseconds)
  }

  /// `REGION[,REGION…]`: the regions the request's data may be processed in.
  public static let residency = "x-edge-residency"
}
