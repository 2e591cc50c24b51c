import EdgeProto
import Synchronization

/// The models a node serves: loaded from its repository, looked up per request, loaded and
/// unloaded on demand. A model that fails to load is reported unavailable with its reason and
/// never affects the others.
public final class ModelStore: Sendable {
  public let repository: ModelRepository
  private let entries = Mutex<[String: Entry]>([:])
  private let loads = Atomic<UInt64>(0)

  private struct Entry: Sendable {
    var state: ModelState
    var versions: [Int: LoadedModel]
  }

  /// Whether loads map the models' weights; a node with a separate executor loads
  /// configurations only (ConfiguredModel).
  public let loadsWeights: Bool

  public init(repository: ModelRepository, loadsWeights: Bool = true) {
    self.repository = repository
    self.loadsWeights = loadsWeights
  }

  /// Loads every model in the repository; returns the failures by model name.
  @discardableResult
  public func loadAll() -> [String: InferenceError] {
    var failures: [String: InferenceError] = [:]
    for name in (try? repository.modelNames()) ?? [] {
      do {
        try load(name)
      } catch {
        failures[name] = error
      }
    }
    return failures
  }

  /// Loads (or reloads) a model's served versions. On failure the model is marked unavailable
  /// with the reason, and versions loaded before stay out of service.
  public func load(_ name: String) throws(InferenceError) {
    guard repository.contains(name) else { throw .modelNotFound(name) }
    entries.withLock { $0[name] = Entry(state: .loading, versions: $0[name]?.versions ?? [:]) }
    do {
      let config = try repository.configuration(of: name)
      let versions = repository.servedVersions(of: name, config: config)
      guard !versions.isEmpty else {
        throw InferenceError.modelLoadFailed(model: name, reason: "no version folder holds a model file")
      }
      var loaded: [Int: LoadedModel] = [:]
      let generation = loads.add(1, ordering: .relaxed).newValue
      for version in versions {
        loaded[version] = try LoadedModel.load(name, version: version, config: config, repository: repository, weights: loadsWeights)
        loaded[version]?.generation = generation
      }
      entries.withLock { $0[name] = Entry(state: .ready(versions), versions: loaded) }
    } catch {
      let reason = (error as? InferenceError)?.description ?? "\(error)"
      entries.withLock { $0[name] = Entry(state: .unavailable(reason: reason), versions: [:]) }
      throw (error as? InferenceError) ?? .modelLoadFailed(model: name, reason: reason)
    }
  }

  public func unload(_ name: String) throws(InferenceError) {
    let known = entries.withLock { entries -> Bool in
      guard entries[name] != nil else { return false }
      entries[name] = Entry(state: .unavailable(reason: "unloaded"), versions: [:])
      return true
    }
    guard known || repository.contains(name) else { throw .modelNotFound(name) }
  }

  /// Loads one version beside those already served (whatever the version policy says: an
  /// operator asked for it by number). The model's other versions keep serving throughout.
  public func load(_ name: String, version: Int) throws(InferenceError) {
    guard repository.contains(name) else { throw .modelNotFound(name) }
    let config = try repository.configuration(of: name)
    guard repository.availableVersions(of: name, config: config).contains(version) else {
      throw .versionNotFound(model: name, version: String(version))
    }
    var loaded = try LoadedModel.load(name, version: version, config: config, repository: repository, weights: loadsWeights)
    loaded.generation = loads.add(1, ordering: .relaxed).newValue
    entries.withLock { entries in
      var versions: [Int: LoadedModel] = if case .ready = entries[name]?.state { entries[name]?.versions ?? [:] } else { [:] }
      versions[version] = loaded
      entries[name] = Entry(state: .ready(versions.keys.sorted()), versions: versions)
    }
  }

  /// Unloads one version; the model's other versions keep serving. The last one going leaves
  /// the model unavailable, as `unload(_:)` does.
  public func unload(_ name: String, version: Int) throws(InferenceError) {
    let found = entries.withLock { entries -> Bool in
      guard var entry = entries[name], case .ready = entry.state, entry.versions[version] != nil else { return false }
      entry.versions[version] = nil
      entry.state = entry.versions.isEmpty ? .unavailable(reason: "unloaded") : .ready(entry.versions.keys.sorted())
      entries[name] = entry
      return true
    }
    guard found else {
      throw repository.contains(name) ? .versionNotFound(model: name, version: String(version)) : .modelNotFound(name)
    }
  }

  /// The loaded model for a request; an empty version means the latest loaded one.
  public func model(named name: String, version: String) throws(InferenceError) -> LoadedModel {
    let entry = entries.withLock { $0[name] }
    guard let entry else {
      throw repository.contains(name) ? .modelNotReady(name) : .modelNotFound(name)
    }
    guard case .ready(let versions) = entry.state else { throw .modelNotReady(name) }
    if version.isEmpty, let latest = versions.last, let model = entry.versions[latest] {
      return model
    }
    guard let number = Int(version), let model = entry.versions[number] else {
      throw .versionNotFound(model: name, version: version)
    }
    return model
  }

  public func state(of name: String) -> ModelState? {
    entries.withLock { $0[name]?.state }
  }

  /// Every model the store knows, with its state, sorted by name.
  public func states() -> [(name: String, state: ModelState)] {
    entries.withLock { entries in entries.map { ($0.key, $0.value.state) } }.sorted { $0.name < $1.name }
  }
}
