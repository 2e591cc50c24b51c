import EdgeProto
public import EdgeRuntime
public import GRPCCore

/// The batcher's executor, reached over the Executor service: in the node's process (the
/// in-process transport) or in an `edge-executor` process (mTLS).
public struct ExecutorClient<Transport: ClientTransport>: BatchExecutor {
  private let executor: Edgeinfer_V1_Executor.Client<Transport>
  /// Where it runs, for messages.
  public let name: String

  public init(client: GRPCClient<Transport>, name: String) {
    self.executor = Edgeinfer_V1_Executor.Client(wrapping: client)
    self.name = name
  }

  public func execute(_ model: LoadedModel, inputs: [Tensor], batchSize: Int) async throws(InferenceError) -> ModelOutput {
    let request = ExecutorWire.request(model: model, inputs: inputs, batchSize: batchSize)
    let response: Edgeinfer_V1_ExecuteBatchResponse
    do {
      response = try await executor.executeBatch(request)
    } catch let error as RPCError {
      throw InferenceError(executorStatus: error, executor: name)
    } catch {
      throw InferenceError.unavailable("executor \(name) is unreachable: \(error)")
    }
    return try ExecutorWire.output(response)
  }

  /// Whether the executor answers now (a cheap call, bounded by `timeout`).
  public func isReachable(timeout: Duration) async -> Bool {
    var options = CallOptions.defaults
    options.timeout = timeout
    return (try? await executor.listModels(Edgeinfer_V1_ListModelsRequest(), options: options)) != nil
  }
}
