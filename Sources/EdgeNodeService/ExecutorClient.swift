import EdgeProto
import SwiftProtobuf
public import EdgeRuntime
public import GRPCCore
import EdgeServer
public import EdgeObservability
import Tracing

/// The batcher's executor, reached over the Executor service: in the node's process (the
/// in-process transport) or in an `edge-executor` process (mTLS).
public struct ExecutorClient<Transport: ClientTransport>: BatchExecutor {
  private let executor: Edgeinfer_V1_Executor.Client<Transport>
  /// Where it runs, for messages.
  public let name: String

  /// Traced, each batch sends the node's `batch` span (the task's current context, ModelBatcher)
  /// as the executor's parent.
  public var tracer: RequestTracer?

  public init(client: GRPCClient<Transport>, name: String) {
    self.executor = Edgeinfer_V1_Executor.Client(wrapping: client)
    self.name = name
  }

  public func execute(_ model: LoadedModel, inputs: [Tensor], batchSize: Int) async throws(InferenceError) -> ModelOutput {
    let request = ExecutorWire.request(model: model, inputs: inputs, batchSize: batchSize)
    let response: Edgeinfer_V1_ExecuteBatchResponse
    do {
      var metadata = Metadata()
      for (name, value) in tracer?.headers(ServiceContext.current ?? .topLevel) ?? [] { metadata.addString(value, forKey: name) }
      response = try await executor.executeBatch(request, metadata: metadata)
    } catch let error as RPCError {
      throw InferenceError(executorStatus: error, executor: name, model: model.name)
    } catch {
      throw InferenceError.unavailable("executor \(name) is unreachable: \(error)")
    }
    return try ExecutorWire.output(response)
  }

  public func load(_ model: String, version: Int?) async throws(InferenceError) {
    do {
      _ = try await executor.loadModel(.with { $0.modelName = model; $0.version = version.map(String.init) ?? "" })
    } catch {
      throw .modelLoadFailed(model: model, reason: Self.refusal(error, executor: name))
    }
  }

  public func unload(_ model: String, version: Int?) async throws(InferenceError) {
    do {
      _ = try await executor.unloadModel(.with { $0.modelName = model; $0.version = version.map(String.init) ?? "" })
    } catch {
      throw .modelLoadFailed(model: model, reason: Self.refusal(error, executor: name))
    }
  }

  /// Why the executor did not follow a repository change, for the node's caller.
  static func refusal(_ error: any Error, executor: String) -> String {
    guard let error = error as? RPCError else { return "executor \(executor): \(error)" }
    if error.code == .permissionDenied {
      return "executor \(executor) refused the change (\(error.message)); start it with --allow <this node's id>"
    }
    return "executor \(executor): \(error.message)"
  }

  /// Whether the executor answers now (a cheap call, bounded by `timeout`).
  public func isReachable(timeout: Duration) async -> Bool {
    var options = CallOptions.defaults
    options.timeout = timeout
    return (try? await executor.listModels(Edgeinfer_V1_ListModelsRequest(), options: options)) != nil
  }
}
