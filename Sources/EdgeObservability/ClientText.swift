/// Text a client chose (a request id, a model name that names nothing), made safe to log: at most
/// 128 characters; control, format (bidirectional overrides) and line or paragraph separator
/// characters, whitespace and `=` shown as `?`, so the text can neither start a forged line nor,
/// in text format (`key=value` unquoted), pose as another field.
public enum ClientText {
  public static func loggable(_ text: String) -> String {
    String(
      String.UnicodeScalarView(
        text.unicodeScalars.prefix(128).map { scalar in
          switch scalar.properties.generalCategory {
          case .control, .format, .lineSeparator, .paragraphSeparator, .spaceSeparator: "?"
          default: scalar == "=" ? "?" : scalar
          }
        }))
  }
}
