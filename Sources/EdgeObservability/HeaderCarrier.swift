import Tracing

/// Trace context headers in and out of a plain dictionary (lowercase names, as HTTP/2 sends them).
struct HeaderCarrier: Extractor, Injector {
  func extract(key: String, from carrier: [String: String]) -> String? {
    carrier[key.lowercased()]
  }

  func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
    carrier[key.lowercased()] = value
  }
}
