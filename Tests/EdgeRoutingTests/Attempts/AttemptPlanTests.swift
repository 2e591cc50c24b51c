import EdgeRouting
import Testing

/// The attempts one request makes: failover, hedging and rescue decided with explicit instants.
@Suite struct AttemptPlanTests {
  static let t0 = ContinuousClock.now

  static func at(_ milliseconds: Int) -> ContinuousClock.Instant { t0 + .milliseconds(milliseconds) }

  @Test func theFirstAnswerIsTheRequestsAnswer() {
    var plan = AttemptPlan(arrived: Self.t0, hedgeDelay: nil)
    #expect(plan.start() == .launch(.first))
    #expect(plan.handle(.launched(node: "a", kind: .first)) == .wait)
    // Without hedging no timer is wanted; the one node in flight is watched for leaving.
    #expect(plan.nextWake == nil)
    #expect(plan.watched == "a")
    #expect(plan.handle(.answered(node: "a")) == .answer(node: "a"))
    #expect(plan.attempts == 1)
    // Done: nothing later changes it, and nothing is watched.
    #expect(plan.handle(.refused(node: "a", .cancelled)) == .wait)
    #expect(plan.nextWake == nil)
    #expect(plan.watched == nil)
  }

  @Test func withNoCandidateNothingIsSent() {
    var plan = AttemptPlan(arrived: Self.t0, hedgeDelay: nil)
    #expect(plan.handle(.blocked(kind: .first, .noCandidate)) == .fail(.noCandidate))
    var late = AttemptPlan(arrived: Self.t0, hedgeDelay: nil)
    #expect(late.handle(.blocked(kind: .first, .deadlinePassed)) == .fail(.deadlinePassed(attempts: 0)))
  }

  @Test func aRefusalFailsOverToTheNextNode() {
    var plan = AttemptPlan(arrived: Self.t0, hedgeDelay: nil)
    _ = plan.handle(.launched(node: "a", kind: .first))
    #expect(plan.handle(.refused(node: "a", .unavailable)) == .launch(.failover))
    #expect(plan.tried == ["a"])
    #expect(plan.handle(.launched(node: "b", kind: .failover)) == .wait)
    #expect(plan.handle(.answered(node: "b")) == .answer(node: "b"))
    #expect(plan.attempts == 2)
  }

  @Test func failoverEndsWithTheLastRefusalWhenNothingIsLeft() {
    for refusal in [AttemptRefusal.unavailable, .overloaded, .modelNotReady] {
      var plan = AttemptPlan(arrived: Self.t0, hedgeDelay: nil)
      _ = plan.handle(.launched(node: "a", kind: .first))
      _ = plan.handle(.refused(node: "a", refusal))
      #expect(plan.handle(.blocked(kind: .failover, .noCandidate)) == .fail(.exhausted(attempts: 1, last: refusal)))

      var spent = AttemptPlan(arrived: Self.t0, hedgeDelay: nil)
      _ = spent.handle(.launched(node: "a", kind: .first))
      _ = spent.handle(.refused(node: "a", refusal))
      #expect(spent.handle(.blocked(kind: .failover, .budgetSpent)) == .fail(.budgetSpent(attempts: 1, last: refusal)))

      var late = AttemptPlan(arrived: Self.t0, hedgeDelay: nil)
      _ = late.handle(.launched(node: "a", kind: .first))
      _ = late.handle(.refused(node: "a", refusal))
      #expect(late.handle(.blocked(kind: .failover, .deadlinePassed)) == .fail(.deadlinePassed(attempts: 1)))
    }
  }

  @Test func aNodesErrorAboutTheRequestIsTheAnswer() {
    var plan = AttemptPlan(arrived: Self.t0, hedgeDelay: nil)
    _ = plan.handle(.launched(node: "a", kind: .first))
    #expect(plan.handle(.failed(node: "a")) == .fail(.answeredWithError))
    #expect(plan.handle(.answered(node: "a")) == .wait)
  }

  @Test func aHedgeGoesOnceWhenTheDelayPassesWithOneAttemptInFlight() {
    var plan = AttemptPlan(arrived: Self.t0, hedgeDelay: .milliseconds(30))
    _ = plan.handle(.launched(node: "a", kind: .first))
    #expect(plan.nextWake == Self.at(30))
    #expect(plan.handle(.tick(now: Self.at(29), leftRotation: [])) == .wait)
    #expect(plan.handle(.tick(now: Self.at(30), leftRotation: [])) == .launch(.hedge))
    #expect(plan.handle(.launched(node: "b", kind: .hedge)) == .wait)
    // Two in flight: no timer matters and nothing is watched until one ends.
    #expect(plan.nextWake == nil)
    #expect(plan.watched == nil)
    // One refused while the other is in flight: wait for it, no failover.
    #expect(plan.handle(.refused(node: "a", .unavailable)) == .wait)
    #expect(plan.nextWake == nil)
    #expect(plan.watched == "b")
    // No second hedge.
    #expect(plan.handle(.tick(now: Self.at(60), leftRotation: [])) == .wait)
    #expect(plan.handle(.answered(node: "b")) == .answer(node: "b"))
  }

  @Test func aHedgeTheBudgetRefusesIsNotAskedForAgain() {
    var plan = AttemptPlan(arrived: Self.t0, hedgeDelay: .milliseconds(30))
    _ = plan.handle(.launched(node: "a", kind: .first))
    #expect(plan.handle(.tick(now: Self.at(31), leftRotation: [])) == .launch(.hedge))
    #expect(plan.handle(.blocked(kind: .hedge, .budgetSpent)) == .wait)
    #expect(plan.nextWake == nil)
    #expect(plan.handle(.tick(now: Self.at(100), leftRotation: [])) == .wait)
    #expect(plan.handle(.answered(node: "a")) == .answer(node: "a"))
  }

  @Test func aNodeThatLeavesTheRotationWithTheRequestIsRescued() {
    var plan = AttemptPlan(arrived: Self.t0, hedgeDelay: nil)
    _ = plan.handle(.launched(node: "a", kind: .first))
    #expect(plan.handle(.tick(now: Self.at(100), leftRotation: [])) == .wait)
    // Another node leaving changes nothing.
    #expect(plan.handle(.tick(now: Self.at(150), leftRotation: ["z"])) == .wait)
    #expect(plan.handle(.tick(now: Self.at(200), leftRotation: ["a"])) == .launch(.rescue))
    #expect(plan.handle(.launched(node: "b", kind: .rescue)) == .wait)
    #expect(plan.handle(.answered(node: "b")) == .answer(node: "b"))
  }

  @Test func aTickAtTheDeadlineEndsTheRequest() {
    var plan = AttemptPlan(arrived: Self.t0, hedgeDelay: .milliseconds(30), deadline: Self.at(250))
    _ = plan.handle(.launched(node: "a", kind: .first))
    _ = plan.handle(.tick(now: Self.at(30), leftRotation: []))
    _ = plan.handle(.launched(node: "b", kind: .hedge))
    #expect(plan.handle(.tick(now: Self.at(249), leftRotation: [])) == .wait)
    #expect(plan.handle(.tick(now: Self.at(250), leftRotation: [])) == .fail(.deadlinePassed(attempts: 2)))
    #expect(plan.handle(.answered(node: "a")) == .wait)
  }

  @Test func anAttemptCancelledWhileTheRequestIsOpenMeansTheCallerLeft() {
    var plan = AttemptPlan(arrived: Self.t0, hedgeDelay: nil)
    _ = plan.handle(.launched(node: "a", kind: .first))
    #expect(plan.handle(.refused(node: "a", .cancelled)) == .fail(.callerLeft(attempts: 1)))
    #expect(plan.watched == nil)
  }

  @Test func answersFromNodesNotWaitedOnAreIgnored() {
    var plan = AttemptPlan(arrived: Self.t0, hedgeDelay: nil)
    _ = plan.handle(.launched(node: "a", kind: .first))
    #expect(plan.handle(.answered(node: "z")) == .wait)
    #expect(plan.handle(.refused(node: "z", .unavailable)) == .wait)
    #expect(plan.inFlight == ["a"])
  }

  // MARK: Every combination of three nodes' behaviour, budget and hedging

  enum Behaviour: CaseIterable {
    case answer, slowAnswer, refuseUnavailable, refuseOverloaded, refuseModel, fail, hang
  }

  enum Ending: Equatable {
    case answer(String)
    case fail(AttemptFailure)
  }

  /// A driver over simulated time: nodes tried in rank order; an answer comes after 10 ms (100 ms
  /// when slow), a refusal or error after 1 ms; a hung node leaves the rotation at 250 ms (seen
  /// at the router's next check, every 100 ms) and its call fails at the deadline, 1 s.
  static func simulate(_ behaviours: [Behaviour], budget: Bool, hedge: Duration?) -> (ending: Ending, launches: [AttemptKind]) {
    let names = ["a", "b", "c"]
    var plan = AttemptPlan(arrived: t0, hedgeDelay: hedge)
    var now = t0
    var pending: [(at: ContinuousClock.Instant, event: AttemptEvent)] = []
    var launches: [AttemptKind] = []
    var decision = plan.start()
    for _ in 0..<1000 {
      #expect(plan.inFlight.count <= 2)
      #expect(plan.tried.count == plan.attempts)
      switch decision {
      case .answer(let node): return (.answer(node), launches)
      case .fail(let failure): return (.fail(failure), launches)
      case .launch(let kind):
        guard kind == .first || budget else {
          decision = plan.handle(.blocked(kind: kind, .budgetSpent))
          continue
        }
        guard let index = names.firstIndex(where: { !plan.tried.contains($0) }) else {
          decision = plan.handle(.blocked(kind: kind, .noCandidate))
          continue
        }
        let node = names[index]
        launches.append(kind)
        switch behaviours[index] {
        case .answer: pending.append((now + .milliseconds(10), .answered(node: node)))
        case .slowAnswer: pending.append((now + .milliseconds(100), .answered(node: node)))
        case .refuseUnavailable: pending.append((now + .milliseconds(1), .refused(node: node, .unavailable)))
        case .refuseOverloaded: pending.append((now + .milliseconds(1), .refused(node: node, .overloaded)))
        case .refuseModel: pending.append((now + .milliseconds(1), .refused(node: node, .modelNotReady)))
        case .fail: pending.append((now + .milliseconds(1), .failed(node: node)))
        case .hang: pending.append((at(1000), .failed(node: node)))
        }
        decision = plan.handle(.launched(node: node, kind: kind))
      case .wait:
        pending.sort { $0.at < $1.at }
        // The router's rotation check runs every 100 ms and wakes a request only when the node
        // it watches has left.
        func rotationCheck() -> ContinuousClock.Instant? {
          guard let watched = plan.watched, behaviours[names.firstIndex(of: watched)!] == .hang else { return nil }
          var check = at(100)
          while check <= now || check < at(250) { check += .milliseconds(100) }
          return check
        }
        let wake = [plan.nextWake, rotationCheck()].compactMap { $0 }.min()
        if let next = pending.first, wake.map({ next.at <= $0 }) ?? true {
          pending.removeFirst()
          now = max(now, next.at)
          decision = plan.handle(next.event)
        } else if let wake {
          now = max(now, wake)
          let left = Set(plan.inFlight.filter { node in
            behaviours[names.firstIndex(of: node)!] == .hang && now >= at(250)
          })
          decision = plan.handle(.tick(now: now, leftRotation: left))
        } else {
          Issue.record("the plan waits with nothing in flight: \(behaviours) budget \(budget)")
          return (.fail(.noCandidate), launches)
        }
      }
    }
    Issue.record("no ending for \(behaviours)")
    return (.fail(.noCandidate), launches)
  }

  /// What the request should come to without hedging: nodes in rank order, refusals passed over,
  /// a hung node rescued (but never more than two attempts in flight: a second hung node holds
  /// the request to its deadline), and with no budget only the first node.
  static func expected(_ behaviours: [Behaviour], budget: Bool) -> Ending {
    let names = ["a", "b", "c"]
    var last: AttemptRefusal?
    var hung = false
    var hungNodes = 0
    for (index, behaviour) in behaviours.enumerated() {
      if hungNodes == 2 { return .fail(.answeredWithError) }
      if index > 0 && !budget { return hung ? .fail(.answeredWithError) : .fail(.budgetSpent(attempts: index, last: last)) }
      switch behaviour {
      case .answer, .slowAnswer: return .answer(names[index])
      case .fail: return .fail(.answeredWithError)
      case .refuseUnavailable: last = .unavailable
      case .refuseOverloaded: last = .overloaded
      case .refuseModel: last = .modelNotReady
      case .hang:
        hung = true
        hungNodes += 1
      }
    }
    return hung ? .fail(.answeredWithError) : .fail(.exhausted(attempts: names.count, last: last))
  }

  @Test func everyCombinationEndsAsExpected() {
    let all = Behaviour.allCases
    for x in all {
      for y in all {
        for z in all {
          for budget in [true, false] {
            let behaviours = [x, y, z]
            let plain = Self.simulate(behaviours, budget: budget, hedge: nil)
            #expect(plain.ending == Self.expected(behaviours, budget: budget), "\(behaviours) budget \(budget)")
            #expect(plain.launches.first == .first)
            #expect(!plain.launches.contains(.hedge))

            // With hedging at 30 ms the request still ends, with at most one hedge, and an
            // answer only ever comes from a node that answers.
            let hedged = Self.simulate(behaviours, budget: budget, hedge: .milliseconds(30))
            #expect(hedged.launches.filter { $0 == .hedge }.count <= 1)
            if case .answer(let node) = hedged.ending {
              let behaviour = behaviours[["a", "b", "c"].firstIndex(of: node)!]
              #expect(behaviour == .answer || behaviour == .slowAnswer)
            }
            // A slow first node is overtaken by a fast second one.
            if x == .slowAnswer, y == .answer, budget {
              #expect(hedged.ending == .answer("b"))
            }
          }
        }
      }
    }
  }
}
