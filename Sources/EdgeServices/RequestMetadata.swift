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
}
