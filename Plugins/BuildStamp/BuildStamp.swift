import Foundation
import PackagePlugin

/// Writes `BuildStamp.swift` into the target it is applied to: the commit the sources were built
/// from (`git rev-parse`, with `-dirty` when the tree has changes), or "unknown" where there is no
/// git repository (a container built from a copy of the sources). The command reruns whenever
/// the repository's metadata changes, which every commit and checkout does.
@main
struct BuildStamp: BuildToolPlugin {
  func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
    let output = context.pluginWorkDirectoryURL.appending(path: "BuildStamp.swift")
    let package = context.package.directoryURL.path(percentEncoded: false)
    let git = context.package.directoryURL.appending(path: ".git")
    let script = """
      cd '\(package)' && commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown) \
      && if [ "$commit" != unknown ] && ! git diff --quiet HEAD -- Sources Services Package.swift 2>/dev/null; then commit="$commit-dirty"; fi \
      && printf '/// Generated at build time by the BuildStamp plugin.\\nenum BuildStamp {\\n  static let commit = "%s"\\n}\\n' "$commit" > '\(output.path(percentEncoded: false))'
      """
    let inputs = FileManager.default.fileExists(atPath: git.path(percentEncoded: false)) ? [git] : []
    return [
      .buildCommand(
        displayName: "Stamping the build with its commit", executable: URL(filePath: "/bin/sh"), arguments: ["-c", script],
        inputFiles: inputs, outputFiles: [output])
    ]
  }
}
