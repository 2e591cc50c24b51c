/// One line of a metrics page: a series' name, its labels and its value.
public struct MetricSample: Sendable, Equatable {
  public var name: String
  public var labels: [String: String]
  public var value: Double

  public init(name: String, labels: [String: String] = [:], value: Double) {
    self.name = name
    self.labels = labels
    self.value = value
  }
}
