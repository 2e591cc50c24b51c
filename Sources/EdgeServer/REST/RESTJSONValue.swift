/// A JSON value as a REST request carries it, typed as JSON types it (a boolean is not a number,
/// an integer is told from a fraction), read with JSONDecoder.
package enum RESTJSONValue: Decodable, Sendable, Equatable {
  case null
  case bool(Bool)
  case integer(Int64)
  case unsigned(UInt64)
  case number(Double)
  case string(String)
  case array([RESTJSONValue])
  case object([String: RESTJSONValue])

  package init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if container.decodeNil() {
      self = .null
    } else if let value = try? container.decode(Bool.self) {
      self = .bool(value)
    } else if let value = try? container.decode(Int64.self) {
      self = .integer(value)
    } else if let value = try? container.decode(UInt64.self) {
      self = .unsigned(value)
    } else if let value = try? container.decode(Double.self) {
      self = .number(value)
    } else if let value = try? container.decode(String.self) {
      self = .string(value)
    } else if let value = try? container.decode([RESTJSONValue].self) {
      self = .array(value)
    } else {
      self = .object(try container.decode([String: RESTJSONValue].self))
    }
  }

  package var string: String? {
    if case .string(let value) = self { value } else { nil }
  }

  package var array: [RESTJSONValue]? {
    if case .array(let value) = self { value } else { nil }
  }

  package var object: [String: RESTJSONValue]? {
    if case .object(let value) = self { value } else { nil }
  }

  /// The value as a Double, for any JSON number.
  package var double: Double? {
    switch self {
    case .integer(let value): Double(value)
    case .unsigned(let value): Double(value)
    case .number(let value): value
    default: nil
    }
  }
}
