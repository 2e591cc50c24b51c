import EdgeRouting
import EdgeSecurity
import EdgeCluster
import EdgeExecutorService
import EdgeNodeService
import EdgeRouterService
import EdgeServer
import GRPCCore
import Testing

/// A request's bound at a router: every `x-edge-residency` value, within its key's regions, and
/// the router's own region.
struct ResidencyResolverTests {
  let resolver = ResidencyResolver(metrics: RouterMetrics())

  @Test func everyValueBoundsTheRequest() throws {
    #expect(try resolver.bound(asked: [], caller: nil) == nil)
    #expect(try resolver.bound(asked: ["eu-west,us-east", "eu-west"], caller: nil) == ResidencyBound(["eu-west"]))
    #expect(throws: RPCError.self) { try resolver.bound(asked: ["eu-west", "us-east"], caller: nil) }
    #expect(throws: RPCError.self) { try resolver.bound(asked: ["eu west"], caller: nil) }
  }

  @Test func aKeysRegionsHoldWhateverTheRequestSends() throws {
    let caller = Caller(credential: .key(name: "eu-app", scope: .infer), keyRegions: ResidencyBound(["eu-west", "eu-central"]))
    #expect(try resolver.bound(asked: [], caller: caller) == ResidencyBound(["eu-west", "eu-central"]))
    #expect(try resolver.bound(asked: ["eu-central"], caller: caller) == ResidencyBound(["eu-central"]))
    do {
      _ = try resolver.bound(asked: ["us-east"], caller: caller)
      Issue.record("a key's bound was widened")
    } catch {
      #expect(error.code == .permissionDenied)
    }
  }

  @Test func aRouterAbroadCarriesBoundRequestsOnlyWithTransit() throws {
    let abroad = ResidencyResolver(routerRegion: "us-east", transit: false, metrics: RouterMetrics())
    #expect(try abroad.bound(asked: [], caller: nil) == nil)
    do {
      _ = try abroad.bound(asked: ["eu-west"], caller: nil)
      Issue.record("a bound request passed through a router abroad")
    } catch {
      #expect(error.code == .permissionDenied)
    }
    let transit = ResidencyResolver(routerRegion: "us-east", transit: true, metrics: RouterMetrics())
    #expect(try transit.bound(asked: ["eu-west"], caller: nil) == ResidencyBound(["eu-west"]))
  }
}
