import EdgeSecurity
import EdgeTestSupport
import Foundation
import NIOSSL
import Synchronization
import Testing

/// Certificate rotation: the files are reread when they change, at most once per interval, and a
/// changed pair is taken only when it is whole, matching and valid now.
@Suite struct CertificateFilesTests {
  let folder: TemporaryDirectory
  let authority: CertificateAuthority
  let certificatePath: String
  let keyPath: String

  init() throws {
    folder = try TemporaryDirectory()
    authority = try CertificateAuthority.create()
    certificatePath = "\(folder.path)/node-1.pem"
    keyPath = "\(folder.path)/node-1-key.pem"
  }

  func write(_ issued: IssuedCertificate, certificate: Bool = true, key: Bool = true) throws {
    if certificate { try folder.write(try issued.certificatePEM(), to: "node-1.pem") }
    if key { try folder.write(issued.privateKeyPEM, to: "node-1-key.pem") }
  }

  func issue(_ name: String, validity: TimeInterval = 86_400, now: Date = Date()) throws -> IssuedCertificate {
    try authority.issue(dnsNames: [name], validity: validity, now: now)
  }

  /// What a reloader reported.
  final class Events: Sendable {
    let list = Mutex<[CertificateFiles.Event]>([])
    var isEmpty: Bool { list.withLock { $0.isEmpty } }
    var loadedNames: [[String]] {
      list.withLock { list in
        list.compactMap { event in
          if case .loaded(let names, _) = event { return names }
          return nil
        }
      }
    }
    var refusals: [String] {
      list.withLock { list in
        list.compactMap { event in
          if case .refused(let reason) = event { return reason }
          return nil
        }
      }
    }
  }

  /// A reloader whose events are collected.
  func reloader(interval: Duration = .seconds(1)) -> (CertificateFiles, Events) {
    let events = Events()
    let files = CertificateFiles(certificatePath: certificatePath, keyPath: keyPath, checkInterval: interval) { event in
      events.list.withLock { $0.append(event) }
    }
    return (files, events)
  }

  @Test func theStartingPairIsPresentedAndUnchangedFilesAreNotReread() throws {
    try write(try issue("first"))
    let (files, events) = reloader()
    let start = ContinuousClock.now
    #expect(files.refreshIfDue(now: start).certificateChain?.count == 1)
    #expect(files.refreshIfDue(now: start + .seconds(5)).privateKey != nil)
    #expect(files.reloads == 0)
    #expect(events.isEmpty)
  }

  @Test func aRenewedPairIsTakenAtTheFirstLookAfterTheInterval() throws {
    try write(try issue("first"))
    let (files, events) = reloader(interval: .seconds(1))
    let start = ContinuousClock.now
    try write(try issue("second"))
    // Within the interval the files are not looked at.
    files.refreshIfDue(now: start + .milliseconds(500))
    #expect(files.reloads == 0)
    files.refreshIfDue(now: start + .milliseconds(1_600))
    #expect(files.reloads == 1)
    #expect(events.loadedNames == [["second"]])
    // Looked at again, unchanged: nothing more.
    files.refreshIfDue(now: start + .seconds(3))
    #expect(files.reloads == 1)
  }

  @Test func aHalfWrittenRotationKeepsTheOldPairUntilTheKeyArrives() throws {
    try write(try issue("first"))
    let (files, events) = reloader()
    let start = ContinuousClock.now
    let renewed = try issue("second")
    try write(renewed, key: false)
    files.refreshIfDue(now: start + .seconds(2))
    #expect(files.reloads == 0)
    // A look between the two writes of a renewal is routine: not reported.
    #expect(events.isEmpty)
    try write(renewed, certificate: false)
    files.refreshIfDue(now: start + .seconds(4))
    #expect(files.reloads == 1)
    #expect(events.loadedNames == [["second"]])
    #expect(events.refusals.isEmpty)
  }

  @Test func filesUnusableForAWholeIntervalAreReportedOnce() throws {
    try write(try issue("first"))
    let (files, events) = reloader()
    let start = ContinuousClock.now
    try write(try issue("second"), key: false)
    for second in [2, 4, 6, 8] { files.refreshIfDue(now: start + .seconds(second)) }
    #expect(files.reloads == 0)
    #expect(events.refusals.count == 1)
    #expect(events.refusals.first?.contains("is not the key of the certificate") == true)
  }

  @Test func anExpiredOrNotYetValidRenewalIsRefused() throws {
    try write(try issue("first"))
    let (files, events) = reloader()
    let start = ContinuousClock.now
    try write(try issue("expired", validity: 3_600, now: Date() - 7_200))
    files.refreshIfDue(now: start + .seconds(2))
    files.refreshIfDue(now: start + .seconds(4))
    try write(try issue("future", validity: 3_600, now: Date() + 7_200))
    files.refreshIfDue(now: start + .seconds(6))
    files.refreshIfDue(now: start + .seconds(8))
    #expect(files.reloads == 0)
    let reasons = events.refusals
    #expect(reasons.count == 2)
    #expect(reasons.allSatisfy { $0.contains("is valid only from") })
  }

  @Test func garbageAndMissingFilesAreRefusedWithTheirPath() throws {
    try write(try issue("first"))
    let (files, events) = reloader()
    let start = ContinuousClock.now
    try folder.write("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n", to: "node-1.pem")
    files.refreshIfDue(now: start + .seconds(2))
    files.refreshIfDue(now: start + .seconds(4))
    try FileManager.default.removeItem(atPath: keyPath)
    files.refreshIfDue(now: start + .seconds(6))
    files.refreshIfDue(now: start + .seconds(8))
    #expect(files.reloads == 0)
    let reasons = events.refusals
    #expect(reasons.count == 2)
    #expect(reasons.first?.contains("is not a PEM certificate chain") == true)
    #expect(reasons.last?.contains("\(keyPath) cannot be read") == true)
    // The pair in use is still presented.
    #expect(files.refreshIfDue(now: start + .seconds(10)).certificateChain?.count == 1)
  }

  @Test func aPairThatCannotBeUsedAtStartLeavesTheTransportToItsOwnError() throws {
    try folder.write("not a certificate", to: "node-1.pem")
    try folder.write("not a key", to: "node-1-key.pem")
    let (files, _) = reloader()
    #expect(files.refreshIfDue(now: .now).certificateChain == nil)
  }
}
