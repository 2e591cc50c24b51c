/// What a gRPC method asks of its caller, by the scope it needs. Decided from the method's name
/// alone, so every listener classifies a call the same way and a method added later is refused
/// until it is classified (`unknown` needs an admin credential).
public enum CallClass: Sendable, Equatable {
  /// Health checks: open to anyone who reaches the listener (load balancers make them).
  case health
  /// Between the cluster's own components: node registration, heartbeats and deregistration
  /// (on a router's cluster listener only), and batches sent to an executor.
  case cluster
  /// A call that needs this scope.
  case scoped(CredentialScope)

  /// The scope needed, if the call needs one.
  public var scope: CredentialScope? {
    if case .scoped(let scope) = self { scope } else { nil }
  }

  /// Classifies `service`/`method` (fully qualified service name, bare method name).
  public static func of(service: String, method: String) -> CallClass {
    switch service {
    case "grpc.health.v1.Health":
      return .health
    case "inference.GRPCInferenceService":
      switch method {
      case "RepositoryModelLoad", "RepositoryModelUnload": return .scoped(.admin)
      case "ServerLive", "ServerReady", "ModelReady", "ServerMetadata", "ModelMetadata", "ModelInfer", "ModelStreamInfer",
        "ModelConfig", "ModelStatistics", "RepositoryIndex":
        return .scoped(.infer)
      default: return .scoped(.admin)
      }
    case "edgeinfer.v1.Registry":
      switch method {
      case "Register", "Heartbeat", "Deregister": return .cluster
      case "Route", "ListNodes": return .scoped(.infer)
      default: return .scoped(.admin)
      }
    case "edgeinfer.v1.Executor":
      switch method {
      case "ExecuteBatch", "ListModels": return .cluster
      default: return .scoped(.admin)
      }
    default:
      return .scoped(.admin)
    }
  }
}
