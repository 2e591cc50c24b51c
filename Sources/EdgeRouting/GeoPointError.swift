/// Why a location was refused.
public enum GeoPointError: Error, Sendable, Equatable, CustomStringConvertible {
  case malformed(String)
  case notFinite
  case latitudeOutOfRange(Double)
  case longitudeOutOfRange(Double)

  public var description: String {
    switch self {
    case .malformed(let text):
      return "location '\(text)' is not '<latitude>,<longitude>' in degrees"
    case .notFinite:
      return "location coordinates must be finite numbers"
    case .latitudeOutOfRange(let value):
      return "latitude \(value) is outside [-90, 90]"
    case .longitudeOutOfRange(let value):
      return "longitude \(value) is outside [-180, 180]"
    }
  }
}
