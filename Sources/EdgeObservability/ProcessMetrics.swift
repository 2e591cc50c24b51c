import CoreMetrics
import Foundation

/// The process's own figures, read from /proc at each scrape under the names Prometheus' client
/// libraries use (swift-metrics has no system metrics on Linux): CPU time, resident and virtual
/// memory, open descriptors and start time. Elsewhere (no /proc) the page simply lacks them.
final class ProcessMetrics: Sendable {
  static let cpu = MetricFamily("process_cpu_seconds_total", .counter, help: "User and system CPU time spent, in seconds.")
  static let resident = MetricFamily("process_resident_memory_bytes", .gauge, help: "Resident memory size in bytes.")
  static let virtual = MetricFamily("process_virtual_memory_bytes", .gauge, help: "Virtual memory size in bytes.")
  static let descriptors = MetricFamily("process_open_fds", .gauge, help: "Open file descriptors.")
  static let started = MetricFamily("process_start_time_seconds", .gauge, help: "Start time of the process since the Unix epoch, in seconds.")
  static let families = [cpu, resident, virtual, descriptors, started]

  private let cpuSeconds: MirroredCounter
  private let residentBytes, virtualBytes, openDescriptors, startTime: CoreMetrics.Gauge

  init(metrics: ServiceMetrics) {
    cpuSeconds = MirroredCounter(metrics.floatingCounter(Self.cpu))
    residentBytes = metrics.gauge(Self.resident)
    virtualBytes = metrics.gauge(Self.virtual)
    openDescriptors = metrics.gauge(Self.descriptors)
    startTime = metrics.gauge(Self.started)
  }

  func sample() {
    guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
      let figures = Self.parse(stat: stat)
    else { return }
    let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
    cpuSeconds.update(total: Double(figures.userTicks + figures.systemTicks) / ticks)
    residentBytes.record(Double(figures.residentPages) * Double(sysconf(Int32(_SC_PAGESIZE))))
    virtualBytes.record(Double(figures.virtualBytes))
    if let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
      openDescriptors.record(Double(entries.count))
    }
    if let boot = Self.bootTime() { startTime.record(boot + Double(figures.startTicks) / ticks) }
  }

  struct StatFigures: Equatable {
    var userTicks: UInt64, systemTicks: UInt64, startTicks: UInt64, virtualBytes: UInt64, residentPages: UInt64
  }

  /// /proc/self/stat's fields after the command name (which may hold spaces and parentheses, so
  /// the split starts after its last ')'): utime 14, stime 15, starttime 22, vsize 23, rss 24.
  static func parse(stat: String) -> StatFigures? {
    guard let close = stat.lastIndex(of: ")") else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
    // fields[0] is field 3 (state).
    func field(_ number: Int) -> UInt64? { number - 3 < fields.count ? UInt64(fields[number - 3]) : nil }
    guard let user = field(14), let system = field(15), let start = field(22), let virtual = field(23),
      let resident = field(24)
    else { return nil }
    return StatFigures(userTicks: user, systemTicks: system, startTicks: start, virtualBytes: virtual, residentPages: resident)
  }

  /// The boot time (/proc/stat's `btime`), in seconds since the epoch.
  static func bootTime() -> Double? {
    guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
    for line in stat.split(separator: "\n") where line.hasPrefix("btime ") {
      return Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
    }
    return nil
  }
}
