/// One field's value as protobuf's wire format carries it, before any decoding: a length-
/// delimited field is the range of its bytes in the message.
public enum WireValue: Sendable, Equatable {
  case varint(UInt64)
  case fixed64(UInt64)
  case lengthDelimited(Range<Int>)
  case fixed32(UInt32)
}
