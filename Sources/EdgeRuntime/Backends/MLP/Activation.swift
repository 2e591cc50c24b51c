import Foundation

/// The hidden-layer nonlinearity of an MLP, named by the config parameter `activation`.
enum Activation: String, Sendable {
  case relu
  case tanh
  case identity

  func apply(_ values: inout [Float]) {
    switch self {
    case .relu:
      for index in values.indices where values[index] < 0 { values[index] = 0 }
    case .tanh:
      for index in values.indices { values[index] = Foundation.tanh(values[index]) }
    case .identity:
      break
    }
  }
}
