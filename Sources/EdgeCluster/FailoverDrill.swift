import EdgeClient
public import EdgeRouting
import Foundation
import GRPCCore
import Synchronization
import EdgeServer

/// A failover drill: closed-loop load through a router at nodes that are real processes, a
/// fault injected partway (a node killed or frozen, a region killed, every node killed), and
/// what the clients saw. `edgeinfer drill` runs it for the figures in docs/RELIABILITY.md;
/// the test suite runs it smaller. Every loop in it is bounded by a request count and a time
/// limit.
public struct FailoverDrill: Sendable {
  public var fault: DrillFault
  /// Requests to send (the load also runs on until the fault's script is over).
  public var requests = 2000
  public var concurrency = 8
  /// Each request's deadline.
  public var timeout: Duration = .seconds(2)
  /// Share of `requests` answered before the fault.
  public var faultAfter = 0.25
  /// How long a frozen node stays frozen.
  public var freezeFor: Duration = .seconds(4)
  /// How long the load runs on into a total outage.
  public var outageFor: Duration = .seconds(3)
  /// Hard bound on the whole run.
  public var limit: Duration = .seconds(180)

  public init(fault: DrillFault) {
    self.fault = fault
  }

  /// Two nodes in the clients' region (near-equal, so both take load) and one across the
  /// Atlantic; one router.
  public static let topology = ClusterTopology(
    routers: [ClusterTopology.routerSites[0]],
    nodes: [
      ClusterTopology.site("node-1", "eu-west", "Paris", 48.8566, 2.3522),
      ClusterTopology.site("node-2", "eu-west", "Amsterdam", 52.3676, 4.9041),
      ClusterTopology.site("node-3", "us-east", "New York", 40.7128, -74.0060),
    ])
  /// Where the drill's clients stand: London.
  public static let clientLocation = try! GeoPoint(latitude: 51.5074, longitude: -0.1278)

  private struct State {
    var answered = 0
    var report: DrillReport
    var faultAt: ContinuousClock.Instant?
    var scriptDone = false
  }

  /// The state the load's tasks and the script share.
  private final class Shared: Sendable {
    let state: Mutex<State>
    /// Requests handed out to the load's tasks.
    let issued = Atomic<Int>(0)
    init(_ fault: DrillFault) { state = Mutex(State(report: DrillReport(fault: fault))) }
    func withLock<T>(_ body: (inout State) -> T) -> T { state.withLock { body(&$0) } }
  }

  /// Runs the drill on a started, healthy cluster of `topology`.
  public func run(on cluster: LocalCluster, progress: @escaping @Sendable (String) -> Void = { _ in }) async throws -> DrillReport {
    var configuration = try cluster.clientConfiguration(location: Self.clientLocation)
    configuration.timeout = timeout
    let state = Shared(fault)
    let start = ContinuousClock.now
    let hardEnd = start + limit
    let pixels = (0..<64).map { Float($0 % 17) }
    let regionOfFault = Self.topology.nodes[0].region

    return try await EdgeInferenceClient.withClient(configuration) { client in
      let initial = try await client.routerStats()
      try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<concurrency {
          group.addTask {
            while ContinuousClock.now < hardEnd {
              let number = state.issued.add(1, ordering: .relaxed).newValue
              if number > requests, state.withLock({ $0.scriptDone }) { break }
              let sent = ContinuousClock.now
              do {
                let result = try await client.infer(model: "digits", inputs: [.fp32("pixels", shape: [1, 64], values: pixels)])
                let latency = sent.duration(to: .now)
                state.withLock { state in
                  state.answered += 1
                  state.report.ok += 1
                  state.report.answeredBy[result.node ?? "?", default: 0] += 1
                  guard let faultAt = state.faultAt, sent >= faultAt else { return }
                  state.report.requestsAfterFault += 1
                  state.report.maxLatencyAfterFaultMs = max(state.report.maxLatencyAfterFaultMs ?? 0, latency.fractionalMilliseconds)
                  if fault == .region, result.region != regionOfFault, state.report.nextRegionFirstAnswerSeconds == nil {
                    state.report.nextRegionFirstAnswerSeconds = faultAt.duration(to: .now).fractionalSeconds
                  }
                }
              } catch {
                let code = (error as? RPCError).map { "\($0.code)" } ?? "other"
                state.withLock { state in
                  state.answered += 1
                  state.report.failed += 1
                  state.report.failures[code, default: 0] += 1
                  if state.report.failureExamples[code] == nil { state.report.failureExamples[code] = "\(error)" }
                  if let faultAt = state.faultAt, sent >= faultAt { state.report.requestsAfterFault += 1 }
                }
              }
            }
          }
        }
        group.addTask {
          defer { state.withLock { $0.scriptDone = true } }
          try await script(cluster: cluster, client: client, state: state, hardEnd: hardEnd, progress: progress)
        }
        try await group.waitForAll()
      }
      let final = try await client.routerStats()
      return state.withLock { state in
        var report = state.report
        report.requests = report.ok + report.failed
        report.faultAtSeconds = state.faultAt.map { start.duration(to: $0).fractionalSeconds }
        report.attemptsPerRequest = Double(final.attempts - initial.attempts) / Double(max(1, final.requests - initial.requests))
        report.routerBudgetExhausted = final.budgetExhausted - initial.budgetExhausted
        report.routerRescues = final.rescues - initial.rescues
        return report
      }
    }
  }

  /// Waits for the fault's moment, injects it, and measures what the fault calls for.
  private func script(
    cluster: LocalCluster, client: EdgeInferenceClient, state: Shared, hardEnd: ContinuousClock.Instant,
    progress: @Sendable (String) -> Void
  ) async throws {
    let threshold = Int(Double(requests) * faultAfter)
    while state.withLock({ $0.answered }) < threshold, ContinuousClock.now < hardEnd {
      try await Task.sleep(for: .milliseconds(5))
    }
    let nodes = Self.topology.nodes
    let near = nodes.filter { $0.region == nodes[0].region }.map(\.id)
    let before = try await client.routerStats()
    let faultAt = ContinuousClock.now
    state.withLock { $0.faultAt = faultAt }
    switch fault {
    case .kill:
      progress("SIGKILL \(nodes[0].id)")
      cluster.kill(nodes[0].id)
    case .region:
      progress("SIGKILL \(near.joined(separator: ", ")) (all of \(nodes[0].region))")
      cluster.kill(near)
    case .outage:
      progress("SIGKILL every node")
      cluster.kill(nodes.map(\.id))
      try await Task.sleep(for: outageFor)
      let after = try await client.routerStats()
      let requests = after.requests - before.requests
      state.withLock {
        $0.report.routerRequestsDuringOutage = requests
        $0.report.attemptsPerRequestDuringOutage = Double(after.attempts - before.attempts) / Double(max(1, requests))
      }
    case .restart:
      for node in nodes {
        progress("SIGTERM \(node.id), start it again")
        let stopped = ContinuousClock.now
        try cluster.restart(node.id)
        if let back = try await waitForRotation(of: node.id, inRotation: true, client: client, within: .seconds(30)) {
          state.withLock { $0.report.restartSeconds[node.id] = stopped.duration(to: back).fractionalSeconds }
          progress("\(node.id) back in rotation after \(String(format: "%.2f", stopped.duration(to: back).fractionalSeconds)) s")
        } else {
          progress("\(node.id) did not come back within 30 s")
          return
        }
      }
    case .freeze:
      let id = nodes[0].id
      progress("SIGSTOP \(id)")
      cluster.freeze(id)
      if let out = try await waitForRotation(of: id, inRotation: false, client: client, within: .seconds(15)) {
        state.withLock { $0.report.outOfRotationSeconds = faultAt.duration(to: out).fractionalSeconds }
        progress("\(id) out of rotation after \(String(format: "%.2f", faultAt.duration(to: out).fractionalSeconds)) s")
      }
      try await Task.sleep(until: faultAt + freezeFor)
      let thawedAt = ContinuousClock.now
      progress("SIGCONT \(id)")
      cluster.thaw(id)
      if let back = try await waitForRotation(of: id, inRotation: true, client: client, within: .seconds(15)) {
        state.withLock { $0.report.backInRotationSeconds = thawedAt.duration(to: back).fractionalSeconds }
        progress("\(id) back in rotation after \(String(format: "%.2f", thawedAt.duration(to: back).fractionalSeconds)) s")
      }
    }
  }

  /// Polls the router every 50 ms until `id` is in (or out of) rotation; the instant it was
  /// seen, or nil after `within`.
  private func waitForRotation(
    of id: String, inRotation: Bool, client: EdgeInferenceClient, within: Duration
  ) async throws -> ContinuousClock.Instant? {
    let end = ContinuousClock.now + within
    while ContinuousClock.now < end {
      if let nodes = try? await client.nodes(), nodes.contains(where: { $0.id == id && $0.healthy == inRotation }) {
        return .now
      }
      try await Task.sleep(for: .milliseconds(50))
    }
    return nil
  }
}
