import EdgeCluster
import EdgeExecutorService
import EdgeNodeService
import EdgeRouterService
import EdgeServer
import Testing

struct RestartBackoffTests {
  let start = ContinuousClock.now

  @Test func doublesForCrashesInARowUpToTheMaximum() {
    var backoff = RestartBackoff(initial: .seconds(1), maximum: .seconds(30), forgiveAfter: .seconds(60))
    backoff.started(at: start)
    var now = start
    var delays: [Duration] = []
    for _ in 0..<8 {
      let when = backoff.crashed(at: now)
      delays.append(when - now)
      now = when + .milliseconds(100)
      backoff.started(at: when)
    }
    #expect(delays == [1, 2, 4, 8, 16, 30, 30, 30].map { .seconds($0) })
  }

  @Test func aChildThatRanLongEnoughIsForgiven() {
    var backoff = RestartBackoff(initial: .seconds(1), maximum: .seconds(30), forgiveAfter: .seconds(60))
    backoff.started(at: start)
    _ = backoff.crashed(at: start + .seconds(1))
    backoff.started(at: start + .seconds(2))
    #expect(backoff.crashed(at: start + .seconds(3)) == start + .seconds(5))
    backoff.started(at: start + .seconds(5))
    // Up for a minute: its next crash waits the initial delay again.
    #expect(backoff.crashed(at: start + .seconds(65)) == start + .seconds(66))
    #expect(backoff.crashes == 1)
  }

  @Test func onlyFailuresRestartUnderOnFailure() {
    #expect(RestartPolicy.onFailure.restarts(exitedCleanly: false))
    #expect(!RestartPolicy.onFailure.restarts(exitedCleanly: true))
    #expect(!RestartPolicy.no.restarts(exitedCleanly: false))
    #expect(RestartPolicy(rawValue: "on-failure") == .onFailure)
  }
}
