public import EdgeProto
import EdgeObservability
import SwiftProtobuf

/// What the servers say about themselves in ServerMetadata.
public enum ServerInfo {
  public static let name = "edgeinfer"
  public static let version = BuildInfo.version
  /// Triton extension names for what EdgeInfer implements.
  public static let extensions = ["model_repository", "model_configuration", "statistics"]

  /// The ServerMetadata answer, the same from routers and nodes.
  public static var metadata: Inference_ServerMetadataResponse {
    .with {
      $0.name = name
      $0.version = version
      $0.extensions = extensions
    }
  }
}
