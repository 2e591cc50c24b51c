import EdgeSecurity
import EdgeTestSupport
import Foundation
import Testing

/// Every combination of listener, keys, transport and credential, against the rule each is
/// meant to follow.
struct AccessPolicyTests {
  static let calls: [(CallClass, String)] = [
    (.health, "Check"), (.cluster, "Register"), (.scoped(.infer), "ModelInfer"), (.scoped(.admin), "RepositoryModelUnload"),
  ]
  static let credentials: [Credential] = [
    .anonymous, .key(name: "reader", scope: .infer), .key(name: "ops", scope: .admin), .certificate(names: ["admin", "localhost"]),
    .certificate(names: ["node-1", "localhost"]), .certificate(names: ["router", "localhost"]), .certificate(names: []),
  ]

  @Test func classifiesMethods() {
    #expect(CallClass.of(service: "inference.GRPCInferenceService", method: "RepositoryModelUnload") == .scoped(.admin))
    #expect(CallClass.of(service: "inference.GRPCInferenceService", method: "RepositoryModelLoad") == .scoped(.admin))
    for method in ["ModelInfer", "ModelMetadata", "ModelConfig", "ModelStatistics", "ServerLive", "RepositoryIndex"] {
      #expect(CallClass.of(service: "inference.GRPCInferenceService", method: method) == .scoped(.infer))
    }
    #expect(CallClass.of(service: "edgeinfer.v1.Registry", method: "Usage") == .scoped(.admin))
    #expect(CallClass.of(service: "edgeinfer.v1.Registry", method: "Route") == .scoped(.infer))
    #expect(CallClass.of(service: "edgeinfer.v1.Registry", method: "Heartbeat") == .cluster)
    #expect(CallClass.of(service: "edgeinfer.v1.Executor", method: "ExecuteBatch") == .cluster)
    #expect(CallClass.of(service: "edgeinfer.v1.Executor", method: "ListModels") == .cluster)
    #expect(CallClass.of(service: "edgeinfer.v1.Executor", method: "UnloadModel") == .scoped(.admin))
    #expect(CallClass.of(service: "edgeinfer.v1.Executor", method: "LoadModel") == .scoped(.admin))
    #expect(CallClass.of(service: "grpc.health.v1.Health", method: "Check") == .health)
    // A method nobody classified needs the most.
    #expect(CallClass.of(service: "inference.GRPCInferenceService", method: "CudaSharedMemoryRegister") == .scoped(.admin))
    #expect(CallClass.of(service: "something.Else", method: "Do") == .scoped(.admin))
  }

  @Test func scopes() {
    #expect(CredentialScope.admin.permits(.admin) && CredentialScope.admin.permits(.infer))
    #expect(CredentialScope.infer.permits(.infer) && !CredentialScope.infer.permits(.admin))
  }

  /// The rule, written out once more independently of the implementation, checked for every
  /// combination.
  @Test(arguments: [Listener.client, .cluster, .node, .executor], [false, true])
  func everyCombination(listener: Listener, plaintext: Bool) {
    for keysRequired in [false, true] where listener == .client || !keysRequired {
      for insecureAdmin in [false, true] where plaintext || !insecureAdmin {
        let policy = AccessPolicy(
          listener: listener, keysRequired: keysRequired, adminNames: ["admin"], routerNames: ["router"], plaintext: plaintext,
          insecureAdmin: insecureAdmin)
        for (call, method) in Self.calls {
          for credential in Self.credentials {
            // Keys are only presented on a client listener that requires them; certificates only
            // over TLS.
            if case .key = credential, !keysRequired { continue }
            if case .certificate = credential, plaintext { continue }
            if keysRequired, case .certificate = credential { continue }
            let allowed = (try? policy.decide(call, method: method, credential: credential).get()) != nil
            #expect(
              allowed == Self.expected(listener, keysRequired, plaintext, insecureAdmin, call, credential),
              "\(listener) keys:\(keysRequired) plaintext:\(plaintext) insecureAdmin:\(insecureAdmin) \(method) \(credential)")
          }
        }
      }
    }
  }

  static func expected(
    _ listener: Listener, _ keys: Bool, _ plaintext: Bool, _ insecureAdmin: Bool, _ call: CallClass, _ credential: Credential
  ) -> Bool {
    let names: [String] = if case .certificate(let names) = credential { names } else { [] }
    switch call {
    case .health: return true
    case .cluster: return listener != .client
    case .scoped(let needed):
      switch listener {
      case .client:
        if keys {
          guard case .key(_, let scope) = credential else { return false }
          if needed == .admin { return scope == .admin && (!plaintext || insecureAdmin) }
          return true
        }
        return needed == .infer
      case .cluster:
        if plaintext { return insecureAdmin }
        return names.contains("admin")
      case .node, .executor:
        if needed == .infer { return true }
        if plaintext { return insecureAdmin }
        return names.contains("admin") || names.contains("router")
      }
    }
  }

  @Test func refusalsSayWhatIsMissing() {
    let keyed = AccessPolicy(listener: .client, keysRequired: true)
    guard case .failure(let scope) = keyed.decide(.scoped(.admin), method: "RepositoryModelUnload", credential: .key(name: "reader", scope: .infer))
    else { Issue.record("an infer key unloaded a model"); return }
    #expect(scope == .insufficientScope(key: "reader", scope: .infer, needed: .admin, method: "RepositoryModelUnload"))
    #expect(scope.description.contains("'reader'") && scope.description.contains("scope 'admin'"))
    guard case .failure(let open) = AccessPolicy(listener: .client).decide(.scoped(.admin), method: "RepositoryModelLoad", credential: .anonymous)
    else { Issue.record("an anonymous caller loaded a model"); return }
    #expect(open.description.contains("--admin") && open.description.contains("--scope admin"))
    guard
      case .failure(let node) = AccessPolicy(listener: .cluster).decide(
        .scoped(.admin), method: "RepositoryModelUnload", credential: .certificate(names: ["node-2", "localhost"]))
    else { Issue.record("a node certificate unloaded a model"); return }
    #expect(node.description.contains("node-2") && node.description.contains("admin"))
    guard case .failure(let plain) = AccessPolicy(listener: .node, plaintext: true).decide(.scoped(.admin), method: "RepositoryModelUnload", credential: .anonymous)
    else { Issue.record("plaintext admin call allowed"); return }
    #expect(plain.description.contains("--insecure-admin"))
  }

  @Test func keyFileChangesAreNamed() {
    let a = APIKeyRecord(name: "a", id: "00000001", secretSHA256: "00", ratePerSecond: nil, burst: nil, created: "")
    let b = APIKeyRecord(name: "b", id: "00000002", secretSHA256: "00", ratePerSecond: nil, burst: nil, created: "")
    var widened = a
    widened.scope = .admin
    let changes = APIKeyRing.changes(from: [a, b], to: [widened, APIKeyRecord(name: "c", id: "00000003", secretSHA256: "00", ratePerSecond: nil, burst: nil, created: "")])
    #expect(changes.map { "\($0.name) \($0.method)" } == ["a keys.change", "b keys.revoke", "c keys.create"])
  }

  @Test func recordsPredatingScopesAreInferKeys() throws {
    let old = #"{"keys":[{"name":"old","id":"0000000a","secretSHA256":"00","created":"2026-01-01T00:00:00Z"}]}"#
    let folder = try TemporaryDirectory()
    let path = "\(folder.path)/keys.json"
    try old.write(toFile: path, atomically: true, encoding: .utf8)
    let records = try APIKeyFile.load(path)
    #expect(records.first?.effectiveScope == .infer)
    #expect(records.first?.regions == nil)
  }

  @Test func aKeyBoundToNoRegionIsRefusedAtLoad() throws {
    let folder = try TemporaryDirectory()
    let path = "\(folder.path)/keys.json"
    try #"{"keys":[{"name":"empty","id":"0000000b","secretSHA256":"00","created":"","regions":[]}]}"#
      .write(toFile: path, atomically: true, encoding: .utf8)
    #expect(throws: APIKeyFileError.self) { try APIKeyFile.load(path) }
  }

  @Test func auditFieldsAreBounded() {
    let record = AuditRecord(
      credential: "anonymous", peer: "ipv4:127.0.0.1:1", listener: "client", method: "m", model: String(repeating: "x", count: 100_000),
      result: String(repeating: "y", count: 100_000))
    #expect(record.model.count == AuditRecord.maxField)
    #expect(record.result.count == 1024)
    #expect(record.jsonLine.utf8.count < 2_000)
  }

  @Test func auditRecordIsOneJSONLine() {
    let record = AuditRecord(
      credential: "ops", peer: "ipv4:127.0.0.1:5000", listener: "client", method: "inference.GRPCInferenceService/RepositoryModelUnload",
      model: "digits", version: "", result: "OK")
    let line = record.jsonLine
    #expect(!line.contains("\n"))
    #expect(line.contains(#""credential":"ops""#) && line.contains(#""model":"digits""#) && line.contains(#""result":"OK""#))
    #expect(line.contains(#""method":"inference.GRPCInferenceService/RepositoryModelUnload""#))
  }
}
