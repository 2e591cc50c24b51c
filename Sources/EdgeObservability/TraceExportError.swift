/// Why spans cannot be exported as configured (a malformed `--otlp-endpoint`).
public struct TraceExportError: Error, CustomStringConvertible, Sendable {
  public let message: String
  public var description: String { message }
}
