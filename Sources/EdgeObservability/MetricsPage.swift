public import Hummingbird
import NIOCore

/// `GET /metrics`: a service's metrics page in Prometheus' text format, as Prometheus scrapes it.
public enum MetricsPage {
  public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

  public static func add(to router: Router<BasicRequestContext>, metrics: ServiceMetrics) {
    router.get("/metrics") { _, _ -> Response in
      let page = metrics.render()
      return Response(
        status: .ok, headers: [.contentType: contentType],
        body: ResponseBody(byteBuffer: ByteBuffer(bytes: page)))
    }
    // The page is read-only: other methods are told so rather than that it does not exist.
    for method in [HTTPRequest.Method.post, .put, .delete, .patch] {
      router.on("/metrics", method: method) { _, _ -> Response in
        Response(
          status: .methodNotAllowed, headers: [.allow: "GET, HEAD", .contentType: "text/plain; charset=utf-8"],
          body: ResponseBody(byteBuffer: ByteBuffer(string: "the metrics page is read with GET\n")))
      }
    }
  }
}
