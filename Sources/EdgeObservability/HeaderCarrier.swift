import Tracing

/// Trace context headers in and out of the (name, value) pairs a call carries, names lowercase as
/// HTTP/2 sends them: no dictionary is built per request.
struct HeaderCarrier: Extractor, Injector {
  func extract(key: String, from carrier: [(String, String)]) -> String? {
    let name = key.lowercased()
    return carrier.first { $0.0 == name }?.1
  }

  func inject(_ value: String, forKey key: String, into carrier: inout [(String, String)]) {
    let name = key.lowercased()
    carrier.removeAll { $0.0 == name }
    carrier.append((name, value))
  }
}
