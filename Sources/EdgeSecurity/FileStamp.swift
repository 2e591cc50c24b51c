import Foundation

/// Enough of a file's metadata to tell that it was replaced (a new file renamed over it: another
/// inode) or rewritten in place (size or modification time).
struct FileStamp: Equatable {
  var inode: Int?
  var size: Int?
  var modified: Date?

  init?(path: String) {
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
    inode = (attributes[.systemFileNumber] as? NSNumber)?.intValue
    size = (attributes[.size] as? NSNumber)?.intValue
    modified = attributes[.modificationDate] as? Date
  }
}
