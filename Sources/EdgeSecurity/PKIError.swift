/// Why certificates could not be made or read.
public enum PKIError: Error, Sendable, Equatable, CustomStringConvertible {
  case invalidIPAddress(String)
  case missingFile(String)
  case outputExists(String)
  case cannotWrite(String)

  public var description: String {
    switch self {
    case .invalidIPAddress(let text): return "'\(text)' is not an IP address"
    case .missingFile(let path): return "\(path) does not exist; run 'edgeinfer certs init' first"
    case .outputExists(let path): return "\(path) already holds a CA; pass --force to replace it"
    case .cannotWrite(let path): return "\(path) cannot be written"
    }
  }
}
