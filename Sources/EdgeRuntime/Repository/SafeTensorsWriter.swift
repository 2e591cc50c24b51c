import Foundation

/// Writes safetensors files: the header padded so tensor data starts 8-byte aligned, as the
/// mapped reader needs for in-place use.
public struct SafeTensorsWriter {
  public struct Entry {
    public var name: String
    public var dtype: String
    public var shape: [Int]
    public var bytes: [UInt8]

    public init(name: String, dtype: String, shape: [Int], bytes: [UInt8]) {
      self.name = name
      self.dtype = dtype
      self.shape = shape
      self.bytes = bytes
    }

    public static func f32(_ name: String, shape: [Int], values: [Float]) -> Entry {
      Entry(name: name, dtype: "F32", shape: shape, bytes: Tensor.littleEndianBytes(of: values))
    }
  }

  public var entries: [Entry] = []
  public var metadata: [String: String] = [:]

  public init(entries: [Entry] = [], metadata: [String: String] = [:]) {
    self.entries = entries
    self.metadata = metadata
  }

  /// The file's bytes. Tensors are laid out widest element first (8-, then 4-, 2- and 1-byte),
  /// so with the data starting 8-byte aligned every tensor is aligned to its element size and
  /// can be used in place (the format allows no gaps between tensors to pad with).
  public func encoded() throws -> [UInt8] {
    let ordered = entries.enumerated().sorted { left, right in
      let leftSize = SafeTensorsFile.elementSizes[left.element.dtype] ?? 1
      let rightSize = SafeTensorsFile.elementSizes[right.element.dtype] ?? 1
      return leftSize != rightSize ? leftSize > rightSize : left.offset < right.offset
    }.map(\.element)
    var header: [String: Any] = [:]
    var offset = 0
    for entry in ordered {
      header[entry.name] = ["dtype": entry.dtype, "shape": entry.shape, "data_offsets": [offset, offset + entry.bytes.count]]
      offset += entry.bytes.count
    }
    if !metadata.isEmpty { header["__metadata__"] = metadata }
    var json = try [UInt8](JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
    json += [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8)
    var file = Tensor.littleEndianBytes(of: [UInt64(json.count)])
    file += json
    for entry in ordered { file += entry.bytes }
    return file
  }

  /// Writes the file, making its folder (a new model version) when needed.
  public func write(to path: String) throws {
    let url = URL(fileURLWithPath: path)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(encoded()).write(to: url)
  }
}
