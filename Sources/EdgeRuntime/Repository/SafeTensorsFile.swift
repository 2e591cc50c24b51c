import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A safetensors file mapped into memory: tensors are read in place, never copied, so a cold
/// start is an mmap and the page cache decides what stays resident.
///
/// The format: an unsigned 64-bit little-endian header length, a JSON header mapping each tensor
/// name to `{dtype, shape, data_offsets: [begin, end]}` (offsets relative to the end of the
/// header) plus an optional `__metadata__` of strings, then the tensor bytes. Every field is
/// checked before use, so a truncated or hostile file is refused with a reason, never read past.
public final class SafeTensorsFile: @unchecked Sendable {
  // @unchecked: the mapping is read-only after init and unmapped only in deinit.

  public struct TensorInfo: Sendable, Equatable {
    public var dtype: String
    public var shape: [Int]
    /// Byte range within the data section.
    public var range: Range<Int>
  }

  public let path: String
  public let tensors: [String: TensorInfo]
  public let metadata: [String: String]
  /// Bytes of tensor data, excluding the header.
  public var dataByteCount: Int { dataLength }

  /// A header larger than this is refused (the format's reference implementation uses 100 MB).
  public static let maximumHeaderBytes = 100_000_000

  private let mapping: UnsafeMutableRawPointer
  private let mappedLength: Int
  private let dataOffset: Int
  private let dataLength: Int

  public init(path: String) throws(SafeTensorsError) {
    self.path = path
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
    let size = Int(info.st_size)
    guard size >= 8 else { throw .malformed(path: path, reason: "file of \(size) bytes is shorter than the 8-byte header length") }
    guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
      throw .unreadable(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
    }
    do throws(SafeTensorsError) {
      let parsed = try Self.layout(of: UnsafeRawBufferPointer(start: base, count: size), path: path)
      self.tensors = parsed.tensors
      self.metadata = parsed.metadata
    } catch {
      munmap(base, size)
      throw error
    }
    self.mapping = base
    self.mappedLength = size
    let headerLength = Int(UInt64(littleEndian: base.loadUnaligned(as: UInt64.self)))
    self.dataOffset = 8 + headerLength
    self.dataLength = size - dataOffset
  }

  deinit {
    munmap(mapping, mappedLength)
  }

  /// The raw bytes of a tensor, valid for the lifetime of this file object.
  public func bytes(of name: String) throws(SafeTensorsError) -> UnsafeRawBufferPointer {
    guard let info = tensors[name] else { throw .missingTensor(path: path, name: name) }
    return UnsafeRawBufferPointer(start: mapping + dataOffset + info.range.lowerBound, count: info.range.count)
  }

  /// An F32 tensor's elements in place; refuses other dtypes and misaligned data.
  public func floats(of name: String) throws(SafeTensorsError) -> UnsafeBufferPointer<Float> {
    guard let info = tensors[name] else { throw .missingTensor(path: path, name: name) }
    guard info.dtype == "F32" else { throw .wrongType(path: path, name: name, expected: "F32", found: info.dtype) }
    let raw = try bytes(of: name)
    guard let start = raw.baseAddress, Int(bitPattern: start) % MemoryLayout<Float>.alignment == 0 else {
      if raw.isEmpty { return UnsafeBufferPointer(start: nil, count: 0) }
      throw .malformed(path: path, reason: "tensor '\(name)' is not 4-byte aligned")
    }
    return UnsafeBufferPointer(start: start.assumingMemoryBound(to: Float.self), count: raw.count / 4)
  }

  /// The tensors and metadata a whole safetensors file describes, checked against its size:
  /// what `init(path:)` reads after mapping the file, and what the fuzz target feeds arbitrary
  /// bytes.
  public static func layout(
    of file: UnsafeRawBufferPointer, path: String = "(memory)"
  ) throws(SafeTensorsError) -> (tensors: [String: TensorInfo], metadata: [String: String]) {
    guard file.count >= 8, let base = file.baseAddress else {
      throw .malformed(path: path, reason: "file of \(file.count) bytes is shorter than the 8-byte header length")
    }
    let headerLength = UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
    guard headerLength <= UInt64(Self.maximumHeaderBytes), Int(headerLength) <= file.count - 8 else {
      throw .malformed(path: path, reason: "header length \(headerLength) exceeds the file or the \(Self.maximumHeaderBytes)-byte limit")
    }
    let header = Data(bytes: base + 8, count: Int(headerLength))
    return try parseHeader(header, dataLength: file.count - 8 - Int(headerLength), path: path)
  }

  static let elementSizes: [String: Int] = [
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E4M3": 1, "F8_E5M2": 1, "U16": 2, "I16": 2, "F16": 2, "BF16": 2,
    "U32": 4, "I32": 4, "F32": 4, "U64": 8, "I64": 8, "F64": 8,
  ]

  static func parseHeader(
    _ header: Data, dataLength: Int, path: String
  ) throws(SafeTensorsError) -> (tensors: [String: TensorInfo], metadata: [String: String]) {
    let object: Any
    do {
      object = try JSONSerialization.jsonObject(with: header)
    } catch {
      throw .malformed(path: path, reason: "header is not valid JSON")
    }
    guard let entries = object as? [String: Any] else {
      throw .malformed(path: path, reason: "header is not a JSON object")
    }
    var tensors: [String: TensorInfo] = [:]
    var metadata: [String: String] = [:]
    for (name, value) in entries {
      if name == "__metadata__" {
        guard let pairs = value as? [String: Any] else { throw .malformed(path: path, reason: "__metadata__ is not an object") }
        for (key, item) in pairs {
          guard let text = item as? String else { throw .malformed(path: path, reason: "__metadata__ value for '\(key)' is not a string") }
          metadata[key] = text
        }
        continue
      }
      guard let fields = value as? [String: Any],
        let dtype = fields["dtype"] as? String,
        let shapeValues = fields["shape"] as? [Any],
        let offsetValues = fields["data_offsets"] as? [Any], offsetValues.count == 2
      else { throw .malformed(path: path, reason: "tensor '\(name)' needs dtype, shape and two data_offsets") }
      guard let elementSize = elementSizes[dtype] else {
        throw .malformed(path: path, reason: "tensor '\(name)' has unknown dtype '\(dtype)'")
      }
      let shape = try shapeValues.map { (item: Any) throws(SafeTensorsError) -> Int in
        guard let number = item as? NSNumber, let dim = Int(exactly: number.doubleValue), dim >= 0 else {
          throw .malformed(path: path, reason: "tensor '\(name)' has an invalid dimension")
        }
        return dim
      }
      let offsets = try offsetValues.map { (item: Any) throws(SafeTensorsError) -> Int in
        guard let number = item as? NSNumber, let offset = Int(exactly: number.doubleValue), offset >= 0 else {
          throw .malformed(path: path, reason: "tensor '\(name)' has an invalid data offset")
        }
        return offset
      }
      guard offsets[0] <= offsets[1], offsets[1] <= dataLength else {
        throw .malformed(path: path, reason: "tensor '\(name)' data_offsets \(offsets) fall outside the \(dataLength) data bytes")
      }
      var bytes = elementSize
      for dim in shape {
        let (product, overflow) = bytes.multipliedReportingOverflow(by: dim)
        guard !overflow else { throw .malformed(path: path, reason: "tensor '\(name)' shape overflows") }
        bytes = product
      }
      guard bytes == offsets[1] - offsets[0] else {
        throw .malformed(path: path, reason: "tensor '\(name)' shape \(shape) needs \(bytes) bytes but its offsets span \(offsets[1] - offsets[0])")
      }
      tensors[name] = TensorInfo(dtype: dtype, shape: shape, range: offsets[0]..<offsets[1])
    }
    return (tensors, metadata)
  }
}
