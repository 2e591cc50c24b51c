package import EdgeSecurity
import Foundation
package import Logging

extension Logger {
  /// A renewed certificate taken, or a change of the files that could not be used (the previous
  /// certificate stays in use: the operator must hear of it before it expires).
  package func log(certificate event: CertificateFiles.Event) {
    switch event {
    case .loaded(let names, let notValidAfter):
      notice("certificate renewed", metadata: [
        "names": "\(names.joined(separator: ","))", "not_valid_after": "\(notValidAfter.ISO8601Format())",
      ])
    case .refused(let reason):
      error("certificate files changed but cannot be used; keeping the previous certificate", metadata: ["reason": "\(reason)"])
    }
  }
}
