/// Reads a page in Prometheus' text format (version 0.0.4) back into samples, for tools that
/// show a service's figures (`edgeinfer top`). Comments and blank lines are skipped; a line that
/// is not `name{labels} value` (or `name value`) is skipped too rather than failing the page.
public enum MetricsPageParser {
  public static func samples(in text: String) -> [MetricSample] {
    text.split(separator: "\n").compactMap { line in
      line.hasPrefix("#") ? nil : sample(Substring(line))
    }
  }

  static func sample(_ line: Substring) -> MetricSample? {
    var rest = line[...]
    guard let nameEnd = rest.firstIndex(where: { $0 == "{" || $0 == " " }) else { return nil }
    let name = String(rest[..<nameEnd])
    rest = rest[nameEnd...]
    var labels: [String: String] = [:]
    if rest.first == "{" {
      rest = rest.dropFirst()
      while let first = rest.first, first != "}" {
        guard let equals = rest.firstIndex(of: "=") else { return nil }
        let key = String(rest[..<equals].filter { $0 != "," && $0 != " " })
        rest = rest[rest.index(after: equals)...]
        guard rest.first == "\"" else { return nil }
        rest = rest.dropFirst()
        var value = ""
        var escaped = false
        while let character = rest.first {
          rest = rest.dropFirst()
          if escaped {
            value.append(character == "n" ? "\n" : character)
            escaped = false
          } else if character == "\\" {
            escaped = true
          } else if character == "\"" {
            break
          } else {
            value.append(character)
          }
        }
        labels[key] = value
        if rest.first == "," { rest = rest.dropFirst() }
      }
      guard rest.first == "}" else { return nil }
      rest = rest.dropFirst()
    }
    let fields = rest.split(separator: " ")
    guard let first = fields.first, let value = Double(first) ?? (first == "+Inf" ? .infinity : nil) else { return nil }
    return MetricSample(name: name, labels: labels, value: value)
  }
}
