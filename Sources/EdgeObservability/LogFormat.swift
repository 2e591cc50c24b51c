/// How a service writes its log lines (`--log-format`): `text` for people at a terminal, `json`
/// (one object per line) for log collectors.
public enum LogFormat: String, Sendable, CaseIterable {
  case text
  case json
}
