import Foundation
import PackagePlugin

/// Writes `BuildStamp.swift` into the target it is applied to: the commit the sources were built
/// from (`git rev-parse`), or "unknown" where there is no git repository (a container built from a
/// copy of the sources). The command reruns whenever the repository's metadata changes (every
/// commit and checkout does), and replaces the file only when the commit changed, so a `git
/// status` or fetch recompiles nothing. A build with uncommitted changes reports the commit they
/// sit on.
@main
struct BuildStamp: BuildToolPlugin {
  func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
    let output = context.pluginWorkDirectoryURL.appending(path: "BuildStamp.swift").path(percentEncoded: false)
    let package = context.package.directoryURL.path(percentEncoded: false)
    let git = context.package.directoryURL.appending(path: ".git")
    let script = """
      commit=$(git -C '\(package)' rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
      printf '/// Generated at build time by the BuildStamp plugin.\\nenum BuildStamp {\\n  static let commit = "%s"\\n}\\n' "$commit" > '\(output).new'
      if cmp -s '\(output).new' '\(output)'; then rm '\(output).new'; else mv '\(output).new' '\(output)'; fi
      """
    let inputs = FileManager.default.fileExists(atPath: git.path(percentEncoded: false)) ? [git] : []
    return [
      .buildCommand(
        displayName: "Stamping the build with its commit", executable: URL(filePath: "/bin/sh"), arguments: ["-c", script],
        inputFiles: inputs, outputFiles: [context.pluginWorkDirectoryURL.appending(path: "BuildStamp.swift")])
    ]
  }
}
