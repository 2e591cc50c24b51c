/// The regions a request's data may be processed in (GDPR-style residency): the request's
/// `x-edge-residency`, within its API key's regions. A bound request goes only to nodes in
/// these regions, on its first attempt and every retry, hedge and rescue, and panic never widens
/// it.
public struct ResidencyBound: Sendable, Hashable, CustomStringConvertible {
  public let regions: Set<String>

  /// Most regions one bound may name, and the longest region name.
  public static let maxRegions = 16
  public static let maxNameLength = 64

  public init?(_ regions: some Sequence<String>) {
    let set = Set(regions)
    guard !set.isEmpty else { return nil }
    self.regions = set
  }

  public func admits(_ region: String) -> Bool { regions.contains(region) }

  /// The regions in order, for messages and logs.
  public var names: [String] { regions.sorted() }

  public var description: String { names.joined(separator: ",") }

  /// Parses `REGION[,REGION…]` (letters, digits, '-', '_', '.').
  public static func parse(_ text: String) -> Result<ResidencyBound, ResidencyRefusal> {
    let names = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingWhitespace() }
    guard names.count <= maxRegions else {
      return .failure(.malformed("at most \(maxRegions) regions, not \(names.count)"))
    }
    for name in names where !isRegionName(name) {
      return .failure(.malformed("'\(name.prefix(maxNameLength))' is not a region name (letters, digits, '-', '_', '.'; REGION[,REGION…])"))
    }
    return .success(ResidencyBound(names)!)
  }

  public static func isRegionName(_ name: String) -> Bool {
    !name.isEmpty && name.utf8.count <= maxNameLength
      && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)) }
  }

  /// The bound a request carries: what it asked for, which must lie within its key's regions;
  /// the key's regions when it asked for nothing; nil when neither bounds it.
  public static func resolve(
    asked: ResidencyBound?, key: ResidencyBound?, keyName: String = ""
  ) -> Result<ResidencyBound?, ResidencyRefusal> {
    guard let key else { return .success(asked) }
    guard let asked else { return .success(key) }
    guard asked.regions.isSubset(of: key.regions) else {
      return .failure(.outsideKey(key: keyName, asked: asked.names, allowed: key.names))
    }
    return .success(asked)
  }

  /// Whether a router in `routerRegion` may carry a request with this bound: only when it
  /// stands inside the bound, or was started with `--transit`. A router with no region set
  /// claims none and carries everything.
  public func transitRefusal(routerRegion: String?, transit: Bool) -> ResidencyRefusal? {
    guard let routerRegion, !transit, !admits(routerRegion) else { return nil }
    return .transit(routerRegion: routerRegion, bound: names)
  }
}

extension Substring {
  fileprivate func trimmingWhitespace() -> String {
    String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
  }
}
