/// Text a client chose (a request id, a model name that names nothing), made safe to log: at most
/// 128 characters, control characters (a line break that would forge a log line in text format)
/// shown as `?`.
public enum ClientText {
  public static func loggable(_ text: String) -> String {
    String(String.UnicodeScalarView(text.unicodeScalars.prefix(128).map { $0.properties.generalCategory == .control ? "?" : $0 }))
  }
}
