/// Why a safetensors file could not be used.
public enum SafeTensorsError: Error, Sendable, Equatable, CustomStringConvertible {
  case unreadable(path: String, reason: String)
  case malformed(path: String, reason: String)
  case missingTensor(path: String, name: String)
  case wrongType(path: String, name: String, expected: String, found: String)

  public var description: String {
    switch self {
    case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
    case .malformed(let path, let reason): return "malformed safetensors file \(path): \(reason)"
    case .missingTensor(let path, let name): return "\(path) has no tensor '\(name)'"
    case .wrongType(let path, let name, let expected, let found):
      return "tensor '\(name)' in \(path) is \(found), expected \(expected)"
    }
  }
}
