public import EdgeProto
public import GRPCCore
import SwiftProtobuf

/// The standard gRPC health service, served by every component.
public struct HealthService: Grpc_Health_V1_Health.SimpleServiceProtocol {
  public let board: HealthBoard
  /// How often Watch looks for a change of status.
  public var watchInterval: Duration = .milliseconds(250)

  public init(board: HealthBoard) {
    self.board = board
  }

  public func check(
    request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext
  ) async throws -> Grpc_Health_V1_HealthCheckResponse {
    guard let status = board.status(of: request.service) else {
      throw RPCError(code: .notFound, message: "unknown service '\(request.service)'")
    }
    return .with { $0.status = status }
  }

  public func list(
    request: Grpc_Health_V1_HealthListRequest, context: ServerContext
  ) async throws -> Grpc_Health_V1_HealthListResponse {
    .with { response in
      for (service, status) in board.all() {
        response.statuses[service] = .with { $0.status = status }
      }
    }
  }

  public func watch(
    request: Grpc_Health_V1_HealthCheckRequest,
    response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
    context: ServerContext
  ) async throws {
    var last: HealthBoard.Status?
    while !Task.isCancelled && !context.cancellation.isCancelled {
      let current = board.status(of: request.service) ?? .serviceUnknown
      if current != last {
        try await response.write(.with { $0.status = current })
        last = current
      }
      try await Task.sleep(for: watchInterval)
    }
  }
}

extension HealthService {
  /// `Check` answered by a front (FrontListener) from its frames: routers check every node
  /// several times a second, and this keeps the answer off the gRPC server behind the front.
  public static func checkRoute(board: HealthBoard, admit: @escaping @Sendable (FrontCall) throws -> Caller) -> FrontRoute {
    FrontRoute(Grpc_Health_V1_Health.Method.Check.descriptor, admit: admit) { call, _ in
      let request: Grpc_Health_V1_HealthCheckRequest
      do {
        request = try Grpc_Health_V1_HealthCheckRequest(serializedBytes: call.message)
      } catch {
        throw RPCError(code: .invalidArgument, message: "the request is not a valid HealthCheckRequest: \(error)")
      }
      guard let status = board.status(of: request.service) else {
        throw RPCError(code: .notFound, message: "unknown service '\(request.service)'")
      }
      return try Grpc_Health_V1_HealthCheckResponse.with { $0.status = status }.serializedBytes()
    }
  }
}
