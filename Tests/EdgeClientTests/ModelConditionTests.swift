import EdgeClient
import GRPCCore
import Testing

/// The per-model mark counts only on statuses that can mean "this model, not this node".
struct ModelConditionTests {
  @Test(arguments: [RPCError.Code.notFound, .unavailable, .failedPrecondition])
  func theMarkCountsOnStatusesAboutAModel(_ code: RPCError.Code) {
    let marked = RPCError(code: code, message: "model 'digits' is not ready").markedAsModelCondition("not-ready")
    #expect(marked.isModelCondition)
    #expect(!RPCError(code: code, message: "").isModelCondition)
  }

  @Test(arguments: [RPCError.Code.internalError, .unknown, .dataLoss, .resourceExhausted, .invalidArgument])
  func aNodeCannotEscapeBlameByMarkingOtherErrors(_ code: RPCError.Code) {
    #expect(!RPCError(code: code, message: "").markedAsModelCondition("not-ready").isModelCondition)
  }

  @Test func aMarkedNotFoundFailsOverAndAPlainOneDoesNot() {
    #expect(RPCError(code: .notFound, message: "").markedAsModelCondition("not-found").allowsFailover)
    #expect(!RPCError(code: .notFound, message: "").allowsFailover)
  }
}
