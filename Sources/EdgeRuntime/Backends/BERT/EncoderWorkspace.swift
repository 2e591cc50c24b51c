/// The activations of one encoder pass, allocated once per batch and freed with it.
final class EncoderWorkspace {
  /// The residual stream, [tokens × hidden].
  let hidden: UnsafeMutablePointer<Float>
  let query: UnsafeMutablePointer<Float>
  let key: UnsafeMutablePointer<Float>
  let value: UnsafeMutablePointer<Float>
  /// Attention's per-head results side by side, [tokens × hidden].
  let context: UnsafeMutablePointer<Float>
  /// The attention block's output after its LayerNorm, [tokens × hidden].
  let attended: UnsafeMutablePointer<Float>
  /// The feed-forward's inner activations, [tokens × intermediate].
  let intermediate: UnsafeMutablePointer<Float>
  private let buffers: [UnsafeMutablePointer<Float>]

  init(tokens: Int, hidden width: Int, intermediate intermediateWidth: Int) {
    let rows = max(tokens, 1)
    let buffers = (0..<6).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: rows * width) }
      + [UnsafeMutablePointer<Float>.allocate(capacity: rows * intermediateWidth)]
    hidden = buffers[0]
    query = buffers[1]
    key = buffers[2]
    value = buffers[3]
    context = buffers[4]
    attended = buffers[5]
    intermediate = buffers[6]
    self.buffers = buffers
  }

  deinit {
    for buffer in buffers { buffer.deallocate() }
  }
}
