public import GRPCCore
public import EdgeProto
import EdgeWire
import EdgeServer

/// The router's Open Inference Protocol methods as its servers register them: every method of
/// RouterInferenceService, with ModelInfer taken over by the bytes path (forwardInfer), which
/// reads only what routing and metering need and passes the request and the answer on as they
/// came.
public struct RouterInferenceRoutes: RegistrableRPCService {
  public let service: RouterInferenceService

  public init(_ service: RouterInferenceService) {
    self.service = service
  }

  public func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
    service.registerMethods(with: &router)
    // Registered second, so it replaces the decoding handler registered above.
    router.registerHandler(
      forMethod: Inference_GRPCInferenceService.Method.ModelInfer.descriptor, deserializer: RawMessageDeserializer(),
      serializer: RawMessageSerializer()
    ) { [service] request, _ in
      let single = try await ServerRequest(stream: request)
      // gRPC reports a caller that left (a reset stream, or its deadline passed) through the
      // RPC's context, not by cancelling this task: relay it, so the request stops at once.
      let forwarding = Task { try await service.forwardInfer(single.message, metadata: single.metadata) }
      let answer = try await withTaskCancellationHandler {
        try await withRPCCancellationHandler {
          try await forwarding.value
        } onCancelRPC: {
          forwarding.cancel()
        }
      } onCancel: {
        forwarding.cancel()
      }
      return StreamingServerResponse(single: ServerResponse(message: answer))
    }
  }
}
