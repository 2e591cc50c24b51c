/// What was built: the release version and the commit of the sources (the BuildStamp plugin
/// writes it at build time; "unknown" without a git repository).
/// `--version` prints it and every metrics page carries it as `edge_build_info`.
public enum BuildInfo {
  public static let version = "0.1.0"
  public static var commit: String { BuildStamp.commit }
  /// `0.1.0 (commit 1a2b3c4d5e6f)`, as `--version` prints it.
  public static var description: String { "\(version) (commit \(commit))" }
}
