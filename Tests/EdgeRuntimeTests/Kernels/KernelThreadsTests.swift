@testable import EdgeRuntime
import Synchronization
import Testing

struct KernelThreadsTests {
  static func parts(columns: Int, work: Int, threads: Int, alignment: Int) -> [Range<Int>] {
    let ranges = Mutex<[Range<Int>]>([])
    KernelThreads.split(columns: columns, work: work, threads: threads, alignment: alignment) { begin, end in
      ranges.withLock { $0.append(begin..<end) }
    }
    return ranges.withLock { $0 }.sorted { $0.lowerBound < $1.lowerBound }
  }

  @Test(arguments: [(100, 2, 16), (1536, 2, 16), (17, 4, 16), (16, 2, 16), (1, 2, 16), (8192, 3, 16)])
  func partsCoverEveryColumnOnceOnPanelBoundaries(_ columns: Int, _ threads: Int, _ alignment: Int) {
    let ranges = Self.parts(columns: columns, work: 1 << 30, threads: threads, alignment: alignment)
    #expect(ranges.first?.lowerBound == 0)
    #expect(ranges.last?.upperBound == columns)
    for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
    for range in ranges { #expect(range.lowerBound % alignment == 0) }
    #expect(ranges.count <= threads)
  }

  @Test func smallWorkStaysOnOneThread() {
    #expect(Self.parts(columns: 4096, work: KernelThreads.minimumParallelWork - 1, threads: 2, alignment: 16) == [0..<4096])
  }
}
