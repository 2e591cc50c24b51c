import EdgeObservability
import EdgeSecurity
import EdgeServer
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle

/// The operator dashboard's routes on the router's dashboard listener: the page and its script
/// and style (`GET /`, `/dashboard.js`, `/dashboard.css`, all served from the binary, no CDN),
/// the state as JSON (`GET /api/state`) and live as server-sent events (`GET /api/events`, one
/// state a second). With API keys on, the state answers only an admin key
/// (`Authorization: Bearer …`): it shows the topology, where clients are and credential names.
/// The page itself holds nothing and asks for the key.
enum DashboardPage {
  /// How long one event stream lasts before the page opens the next: a stream never holds a
  /// connection (or a key's authority, should it be revoked) indefinitely.
  static let streamLifetime: Duration = .seconds(600)
  static let eventInterval: Duration = .seconds(1)
  /// Event streams open at once, across callers: each costs a connection and a state a second,
  /// so a flood of page loads is refused (503) rather than taking the router's time.
  static let maxStreams = 32

  static func add(
    to router: Router<BasicRequestContext>, keys: APIKeyGate?, refusals: RefusalLog?, state: @escaping @Sendable () -> Data
  ) {
    let streams = DashboardStreams(limit: maxStreams)
    router.get("/") { _, _ in asset(DashboardAssets.html, type: "text/html; charset=utf-8") }
    router.get("/dashboard.js") { _, _ in asset(DashboardAssets.script, type: "text/javascript; charset=utf-8") }
    router.get("/dashboard.css") { _, _ in asset(DashboardAssets.style, type: "text/css; charset=utf-8") }
    router.get("/api/state") { request, _ -> Response in
      if let refusal = refusal(request, keys: keys, refusals: refusals) { return refusal }
      return Response(status: .ok, headers: apiHeaders("application/json"), body: ResponseBody(byteBuffer: ByteBuffer(bytes: state())))
    }
    router.get("/api/events") { request, _ -> Response in
      if let refusal = refusal(request, keys: keys, refusals: refusals) { return refusal }
      guard let slot = streams.take() else {
        refusals?.refused("dashboard_streams", "dashboard: \(maxStreams) event streams are open; refusing more")
        var headers = apiHeaders("application/json")
        headers[.retryAfter] = "5"
        return Response(
          status: .serviceUnavailable, headers: headers,
          body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"error": "too many dashboard streams are open; try again shortly"}"#)))
      }
      return Response(
        status: .ok, headers: apiHeaders("text/event-stream"),
        body: ResponseBody { writer in
          // Held while the stream runs; a response thrown away unsent gives it back too.
          defer { withExtendedLifetime(slot) {} }
          let ends = ContinuousClock.now + streamLifetime
          // Ends with the router's graceful shutdown (within an interval), so an open page
          // never holds up a drain.
          while ContinuousClock.now < ends, !Task.isShuttingDownGracefully, !Task.isCancelled {
            var event = ByteBuffer(string: "event: state\ndata: ")
            event.writeBytes(state())
            event.writeString("\n\n")
            try await writer.write(event)
            try? await Task.sleep(for: eventInterval)
          }
          try await writer.finish(nil)
        })
    }
  }

  /// Names a page on this machine is reached by. Without keys the dashboard listens on loopback
  /// only, and answers only requests addressed to it by these: a web page the operator visits
  /// cannot point its own name at 127.0.0.1 (DNS rebinding) and read the state.
  static let loopbackNames: Set<String> = ["127.0.0.1", "localhost", "::1"]

  /// The host a request was addressed to (its Host), without the port.
  static func hostName(_ authority: String?) -> String? {
    guard let authority else { return nil }
    if authority.hasPrefix("["), let end = authority.firstIndex(of: "]") {
      return String(authority[authority.index(after: authority.startIndex)..<end])
    }
    return String(authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
  }

  /// Nil when the caller may read the state: keys off (and addressed to loopback), or an admin
  /// key. Otherwise the answer: 401 asking for a key, 403 for a key that is not an admin's or a
  /// request addressed by another name, 429 for a key over its rate.
  private static func refusal(_ request: Request, keys: APIKeyGate?, refusals: RefusalLog?) -> Response? {
    guard let keys else {
      if let host = hostName(request.head.authority), loopbackNames.contains(host.lowercased()) { return nil }
      refusals?.refused("dashboard_host", "dashboard: a request addressed to another host than loopback")
      let body = (try? JSONEncoder().encode(["error": "the dashboard answers requests addressed to 127.0.0.1, localhost or ::1 only"])) ?? Data()
      return Response(status: .forbidden, headers: apiHeaders("application/json"), body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
    let refused: AccessError
    switch keys.authorize(request.headers[.authorization]) {
    case .success(let record) where record.effectiveScope.permits(.admin):
      return nil
    case .success(let record):
      refused = .insufficientScope(key: record.name, scope: record.effectiveScope, needed: .admin, method: "dashboard")
    case .failure(let error):
      refused = error
    }
    refusals?.refused("dashboard_\(refused.reason)", "dashboard: \(refused.description)")
    let status: HTTPResponse.Status =
      switch refused {
      case .insufficientScope: .forbidden
      case .rateLimited: .tooManyRequests
      default: .unauthorized
      }
    var headers = apiHeaders("application/json")
    if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer realm=\"edgeinfer dashboard\"" }
    let message = status == .forbidden ? "the dashboard needs an admin key" : "the dashboard needs an admin API key: \(refused.description)"
    let body = (try? JSONEncoder().encode(["error": message])) ?? Data()
    return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
  }

  private static func apiHeaders(_ type: String) -> HTTPFields {
    [.contentType: type, .cacheControl: "no-store", HTTPField.Name("X-Content-Type-Options")!: "nosniff"]
  }

  /// A static asset with headers that keep the page to itself: no inline or foreign script, no
  /// framing by other sites.
  private static func asset(_ text: String, type: String) -> Response {
    Response(
      status: .ok,
      headers: [
        .contentType: type, .cacheControl: "no-cache", HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        .contentSecurityPolicy:
          "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; frame-ancestors 'none'",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
      ],
      body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
  }
}
