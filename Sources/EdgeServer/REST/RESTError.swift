/// A REST request the gateway refuses before it becomes a call: its HTTP status and the message
/// of the `{"error": "..."}` body.
package struct RESTError: Error, Sendable, Equatable {
  package var status: Int
  package var message: String

  package static func badRequest(_ message: String) -> RESTError { RESTError(status: 400, message: message) }
}
