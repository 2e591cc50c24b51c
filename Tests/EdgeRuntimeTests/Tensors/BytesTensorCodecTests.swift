import EdgeRuntime
import Testing

struct BytesTensorCodecTests {
  @Test func roundTrips() throws {
    let elements: [[UInt8]] = [[], Array("héllo".utf8), [0, 255, 7]]
    let encoded = BytesTensorCodec.encode(elements)
    #expect(encoded.count == 3 * 4 + 0 + 6 + 3)
    #expect(try BytesTensorCodec.decode(encoded, count: 3, maxElementLength: 100) == elements)
  }

  @Test(arguments: [
    ([1, 0, 0] as [UInt8], 1),  // truncated length prefix
    ([5, 0, 0, 0, 1, 2], 1),  // element longer than the data
    ([1, 0, 0, 0, 9, 1, 0, 0, 0, 9], 1),  // more elements than declared
    ([1, 0, 0, 0, 9], 2),  // fewer elements than declared
    ([255, 255, 255, 255], 1),  // length over the limit
  ])
  func malformedContentsAreRefused(_ data: [UInt8], _ count: Int) {
    #expect(throws: InferenceError.self) { try BytesTensorCodec.decode(data, count: count, maxElementLength: 1000) }
  }
}
