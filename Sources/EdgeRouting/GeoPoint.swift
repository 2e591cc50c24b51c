import Foundation

/// A place on Earth in degrees (WGS 84 latitude and longitude).
public struct GeoPoint: Sendable, Hashable, CustomStringConvertible {
  public var latitude: Double
  public var longitude: Double

  /// Mean Earth radius (IUGG), in kilometres.
  public static let earthRadiusKilometres = 6371.0088

  /// Fails unless latitude is in [-90, 90] and longitude in [-180, 180] and both are finite.
  public init(latitude: Double, longitude: Double) throws(GeoPointError) {
    guard latitude.isFinite, longitude.isFinite else { throw .notFinite }
    guard (-90...90).contains(latitude) else { throw .latitudeOutOfRange(latitude) }
    guard (-180...180).contains(longitude) else { throw .longitudeOutOfRange(longitude) }
    self.latitude = latitude
    self.longitude = longitude
  }

  /// Parses `"<lat>,<lon>"` (the `x-edge-location` metadata and the `--location` flags).
  public init(parsing text: String) throws(GeoPointError) {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false)
    guard parts.count == 2,
      let latitude = Double(parts[0].trimmingCharacters(in: .whitespaces)),
      let longitude = Double(parts[1].trimmingCharacters(in: .whitespaces))
    else { throw .malformed(text) }
    try self.init(latitude: latitude, longitude: longitude)
  }

  /// Great-circle distance by the haversine formula, which stays accurate for the short
  /// distances that decide between nearby nodes (the spherical law of cosines does not).
  public func distanceKilometres(to other: GeoPoint) -> Double {
    let phi1 = latitude * .pi / 180
    let phi2 = other.latitude * .pi / 180
    let deltaPhi = (other.latitude - latitude) * .pi / 180
    let deltaLambda = (other.longitude - longitude) * .pi / 180
    let a =
      sin(deltaPhi / 2) * sin(deltaPhi / 2)
      + cos(phi1) * cos(phi2) * sin(deltaLambda / 2) * sin(deltaLambda / 2)
    let c = 2 * atan2(a.squareRoot(), (1 - a).squareRoot())
    return Self.earthRadiusKilometres * c
  }

  public var description: String { "\(latitude),\(longitude)" }
}
