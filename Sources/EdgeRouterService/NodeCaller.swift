public import EdgeRouting
public import GRPCCore
import EdgeServer

/// One attempt at a request on one node, as the router's attempt loop (NodeForwarder) makes it:
/// the node's answer, or the error it gave or its connection failed with, with `timeout` of the
/// request's deadline left. The router's callers go through its connection pool; tests script one.
public protocol NodeCaller<Response>: Sendable {
  associatedtype Response: Sendable
  func call(_ node: RankedNode, timeout: Duration) async throws -> Response
  /// A node's answer that arrived after the caller cancelled before its deadline (the stream was
  /// left to finish, StreamResetBudget): the node did the work all the same.
  func answeredAfterCallerLeft(_ response: Response)
}

extension NodeCaller {
  public func answeredAfterCallerLeft(_ response: Response) {}
}
