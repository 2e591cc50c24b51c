public import Foundation
public import NIOCertificateReloading
public import NIOSSL
import Synchronization
import SwiftASN1
import X509

/// A component's certificate and key, read again from their files when the files change, so a
/// renewed certificate is taken without a restart. Every TLS handshake (a connection served, or
/// made with a client certificate) asks for the current pair; the files are looked at no more than
/// once per `checkInterval`, and a new pair replaces the old only when it is whole and usable:
/// both files parse, the key is the certificate's, and the certificate is valid now. Anything
/// else (a half-written rotation, a key for another certificate, an expired renewal) keeps the
/// pair in use. Unusable files are reported once, at the first look that finds them unchanged
/// since the last: a renewal writes two files, and a look between the two writes is routine.
public final class CertificateFiles: CertificateReloader, Sendable {
  /// What a look at the files found.
  public enum Event: Sendable, Equatable {
    /// A new pair is in use: the certificate's DNS names and end of validity.
    case loaded(names: [String], notValidAfter: Date)
    /// The files changed but could not be used; the previous pair stays in use.
    case refused(reason: String)
  }

  public let certificatePath: String
  public let keyPath: String
  private let checkInterval: Duration
  private let onEvent: (@Sendable (Event) -> Void)?
  private let state: Mutex<State>

  private struct State {
    var override: NIOSSLContextConfigurationOverride
    /// The files as they were when last read, used or not: a refused change is not retried
    /// until the files change again.
    var stamp: [FileStamp?]
    var lastCheck: ContinuousClock.Instant
    var loads = 0
    /// Why the files as last read cannot be used, until it is reported.
    var unreported: String?
  }

  /// Reads the pair now. A pair that cannot be used at start leaves the transport to load the
  /// files itself (and fail with its own error); changes are still picked up later.
  public init(
    certificatePath: String, keyPath: String, checkInterval: Duration = .seconds(1),
    onEvent: (@Sendable (Event) -> Void)? = nil
  ) {
    self.certificatePath = certificatePath
    self.keyPath = keyPath
    self.checkInterval = checkInterval
    self.onEvent = onEvent
    let stamp = [FileStamp(path: certificatePath), FileStamp(path: keyPath)]
    var override = NIOSSLContextConfigurationOverride.noChanges
    if case .success(let pair) = Self.read(certificatePath: certificatePath, keyPath: keyPath, now: Date()) {
      override = pair.override
    }
    self.state = Mutex(State(override: override, stamp: stamp, lastCheck: .now))
  }

  /// How many times a changed pair was taken since start.
  public var reloads: Int { state.withLock { $0.loads } }

  public var sslContextConfigurationOverride: NIOSSLContextConfigurationOverride {
    refreshIfDue(now: .now)
  }

  /// Looks at the files (if `checkInterval` has passed since the last look) and answers the
  /// pair to present.
  @discardableResult
  public func refreshIfDue(now: ContinuousClock.Instant) -> NIOSSLContextConfigurationOverride {
    var event: Event?
    let override = state.withLock { state -> NIOSSLContextConfigurationOverride in
      guard now - state.lastCheck >= checkInterval else { return state.override }
      state.lastCheck = now
      let stamp = [FileStamp(path: certificatePath), FileStamp(path: keyPath)]
      guard stamp != state.stamp else {
        // Unusable for a whole interval: not a renewal caught half-way.
        if let reason = state.unreported {
          event = .refused(reason: reason)
          state.unreported = nil
        }
        return state.override
      }
      state.stamp = stamp
      state.unreported = nil
      switch Self.read(certificatePath: certificatePath, keyPath: keyPath, now: Date()) {
      case .success(let pair):
        state.override = pair.override
        state.loads += 1
        event = .loaded(names: pair.names, notValidAfter: pair.notValidAfter)
      case .failure(let failure):
        state.unreported = failure.reason
      }
      return state.override
    }
    if let event { onEvent?(event) }
    return override
  }

  struct Pair {
    var override: NIOSSLContextConfigurationOverride
    var names: [String]
    var notValidAfter: Date
  }

  struct Refusal: Error {
    var reason: String
  }

  /// Reads and checks a certificate chain and its key (PEM).
  static func read(certificatePath: String, keyPath: String, now: Date) -> Result<Pair, Refusal> {
    guard let certificateText = try? String(contentsOfFile: certificatePath, encoding: .utf8) else {
      return .failure(Refusal(reason: "\(certificatePath) cannot be read"))
    }
    guard let keyText = try? String(contentsOfFile: keyPath, encoding: .utf8) else {
      return .failure(Refusal(reason: "\(keyPath) cannot be read"))
    }
    let chain: [Certificate]
    do {
      chain = try PEMDocument.parseMultiple(pemString: certificateText).map { try Certificate(pemDocument: $0) }
    } catch {
      return .failure(Refusal(reason: "\(certificatePath) is not a PEM certificate chain: \(error)"))
    }
    guard let leaf = chain.first else {
      return .failure(Refusal(reason: "\(certificatePath) holds no certificate"))
    }
    let key: Certificate.PrivateKey
    do {
      key = try Certificate.PrivateKey(pemEncoded: keyText)
    } catch {
      return .failure(Refusal(reason: "\(keyPath) is not a PEM private key: \(error)"))
    }
    guard key.publicKey == leaf.publicKey else {
      return .failure(Refusal(reason: "\(keyPath) is not the key of the certificate in \(certificatePath)"))
    }
    guard leaf.notValidBefore <= now, now <= leaf.notValidAfter else {
      return .failure(Refusal(reason: "the certificate in \(certificatePath) is valid only from \(leaf.notValidBefore) to \(leaf.notValidAfter)"))
    }
    do {
      var override = NIOSSLContextConfigurationOverride()
      override.certificateChain = try chain.map {
        .certificate(try NIOSSLCertificate(bytes: try $0.serializeAsPEM().derBytes, format: .der))
      }
      override.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: try key.serializeAsPEM().derBytes, format: .der))
      let names = (try? leaf.extensions.subjectAlternativeNames)?.compactMap { name -> String? in
        if case .dnsName(let dns) = name { return dns }
        return nil
      } ?? []
      return .success(Pair(override: override, names: names, notValidAfter: leaf.notValidAfter))
    } catch {
      return .failure(Refusal(reason: "the pair in \(certificatePath) cannot be used for TLS: \(error)"))
    }
  }
}
