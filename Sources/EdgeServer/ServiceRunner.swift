public import EdgeObservability
public import Logging
public import ServiceLifecycle
import UnixSignals

/// Runs a component until SIGTERM or SIGINT, which drain it gracefully, the same way in every
/// executable.
public enum ServiceRunner {
  /// Runs `service` until SIGTERM or SIGINT, with `beside` (such as a trace exporter) started
  /// first and stopped after it, so what the service does while it drains is still exported.
  public static func run(_ service: any Service, beside: [any Service] = [], logger: Logger) async throws {
    let group = ServiceGroup(
      configuration: .init(
        services: (beside + [service]).map { .init(service: $0) },
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger))
    try await group.run()
  }

  /// Logs to standard error at the given level (trace, debug, info, notice, warning, error), as
  /// text or one JSON object per line.
  public static func bootstrapLogging(level: String, format: LogFormat = .text) {
    let parsed = Logger.Level(rawValue: level) ?? .info
    LoggingSystem.bootstrap { label in
      switch format {
      case .text:
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = parsed
        return handler
      case .json:
        var handler = JSONLogHandler(label: label)
        handler.logLevel = parsed
        return handler
      }
    }
  }
}
