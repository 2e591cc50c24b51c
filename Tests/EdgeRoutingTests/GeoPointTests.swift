import EdgeRouting
import Testing

struct GeoPointTests {
  @Test func parsesLatitudeAndLongitude() throws {
    let point = try GeoPoint(parsing: " 48.8566 , 2.3522 ")
    #expect(point.latitude == 48.8566)
    #expect(point.longitude == 2.3522)
  }

  @Test(arguments: ["", "48.8", "48.8,2.3,1", "north,east", ",", "48.8;2.3", "nan,0", "inf,0"])
  func refusesMalformedText(_ text: String) {
    #expect(throws: GeoPointError.self) { try GeoPoint(parsing: text) }
  }

  @Test(arguments: [(90.0001, 0.0), (-91, 0), (0, 180.5), (0, -181)])
  func refusesOutOfRange(latitude: Double, longitude: Double) {
    #expect(throws: GeoPointError.self) { try GeoPoint(latitude: latitude, longitude: longitude) }
  }

  @Test func acceptsTheEdgesOfTheRange() throws {
    _ = try GeoPoint(latitude: 90, longitude: 180)
    _ = try GeoPoint(latitude: -90, longitude: -180)
  }

  /// Reference distances computed independently (Python, haversine on the IUGG mean radius).
  @Test(arguments: [
    (51.5074, -0.1278, 48.8566, 2.3522, 343.6),  // London–Paris
    (40.7128, -74.0060, 51.5074, -0.1278, 5570.2),  // New York–London
    (35.6762, 139.6503, 37.5665, 126.9780, 1149.4),  // Tokyo–Seoul
    (0, 0, 0, 180, 20015.1),  // half the equator
  ])
  func greatCircleDistances(lat1: Double, lon1: Double, lat2: Double, lon2: Double, kilometres: Double) throws {
    let a = try GeoPoint(latitude: lat1, longitude: lon1)
    let b = try GeoPoint(latitude: lat2, longitude: lon2)
    #expect(abs(a.distanceKilometres(to: b) - kilometres) < 1.0)
    #expect(abs(b.distanceKilometres(to: a) - kilometres) < 1.0)
  }

  @Test func distanceToItselfIsZero() throws {
    let point = try GeoPoint(latitude: 12.5, longitude: -70)
    #expect(point.distanceKilometres(to: point) == 0)
  }

  @Test func shortDistancesStayAccurate() throws {
    // 0.001° of latitude is about 111 m anywhere; the law of cosines loses this to rounding.
    let a = try GeoPoint(latitude: 45, longitude: 7)
    let b = try GeoPoint(latitude: 45.001, longitude: 7)
    #expect(abs(a.distanceKilometres(to: b) - 0.1112) < 0.001)
  }
}
