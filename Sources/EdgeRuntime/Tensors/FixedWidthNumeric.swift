/// Numbers with a fixed little-endian wire form, so tensors encode the same on every host.
protocol FixedWidthNumeric {
  init(littleEndianBytesAt raw: UnsafeRawBufferPointer, offset: Int)
  func appendLittleEndian(to bytes: inout [UInt8])
}

extension Float: FixedWidthNumeric {
  init(littleEndianBytesAt raw: UnsafeRawBufferPointer, offset: Int) {
    self.init(bitPattern: UInt32(littleEndianBytesAt: raw, offset: offset))
  }
  func appendLittleEndian(to bytes: inout [UInt8]) { bitPattern.appendLittleEndian(to: &bytes) }
}

extension Double: FixedWidthNumeric {
  init(littleEndianBytesAt raw: UnsafeRawBufferPointer, offset: Int) {
    self.init(bitPattern: UInt64(littleEndianBytesAt: raw, offset: offset))
  }
  func appendLittleEndian(to bytes: inout [UInt8]) { bitPattern.appendLittleEndian(to: &bytes) }
}

extension FixedWidthNumeric where Self: FixedWidthInteger {
  init(littleEndianBytesAt raw: UnsafeRawBufferPointer, offset: Int) {
    self.init(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Self.self))
  }
  func appendLittleEndian(to bytes: inout [UInt8]) {
    withUnsafeBytes(of: littleEndian) { bytes.append(contentsOf: $0) }
  }
}

extension Int8: FixedWidthNumeric {}
extension Int16: FixedWidthNumeric {}
extension Int32: FixedWidthNumeric {}
extension Int64: FixedWidthNumeric {}
extension UInt8: FixedWidthNumeric {}
extension UInt16: FixedWidthNumeric {}
extension UInt32: FixedWidthNumeric {}
extension UInt64: FixedWidthNumeric {}
