public import EdgeProto
import Synchronization

/// Serving status per service name ("" is the whole server), as grpc.health.v1 reports it.
public final class HealthBoard: Sendable {
  public typealias Status = Grpc_Health_V1_HealthCheckResponse.ServingStatus

  private let statuses = Mutex<[String: Status]>([:])

  public init(services: [String] = []) {
    statuses.withLock { statuses in
      statuses[""] = .serving
      for service in services { statuses[service] = .serving }
    }
  }

  public func set(_ status: Status, for service: String = "") {
    statuses.withLock { $0[service] = status }
  }

  /// Marks every service not serving, so health checkers stop sending traffic while draining.
  public func setAllNotServing() {
    statuses.withLock { statuses in
      for key in statuses.keys { statuses[key] = .notServing }
    }
  }

  public func status(of service: String) -> Status? {
    statuses.withLock { $0[service] }
  }

  public func all() -> [String: Status] {
    statuses.withLock { $0 }
  }
}
