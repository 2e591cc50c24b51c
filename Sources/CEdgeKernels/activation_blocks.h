// The W8A8 activation format's per-block arithmetic, shared by the reference and the vector
// quantizers so that both derive a block's scale and zero point from its extremes the same way.
#ifndef EDGE_ACTIVATION_BLOCKS_H
#define EDGE_ACTIVATION_BLOCKS_H

#include <math.h>
#include <stdint.h>

/// A block's step, its inverse and its zero point (0…255) from its smallest and largest value.
/// The range always holds 0, so zero (and the padding past k) is exact. An all-zero block has
/// step 0 and zero point 0; so does, in effect, a range too small for 255 / range to be finite
/// (below about 7.5e-37: inverse 0, every value at zero point 0). An infinite range gives
/// inverse 0 and step ∞.
typedef struct {
  float scale;
  float inverse;
  int zero;
} edge_activation_block;

static inline edge_activation_block edge_activation_block_from(float lo, float hi) {
  lo = lo < 0.0f ? lo : 0.0f;
  hi = hi > 0.0f ? hi : 0.0f;
  const float range = hi - lo;
  edge_activation_block block;
  const float inverse = 255.0f / range;
  block.inverse = range > 0.0f && inverse < INFINITY ? inverse : 0.0f;
  block.scale = range / 255.0f;
  const float zero = nearbyintf(-lo * block.inverse);
  block.zero = zero > 0.0f ? (zero < 255.0f ? (int)zero : 255) : 0;  // NaN (−∞ · 0) → 0
  return block;
}

/// The VNNI kernels' correction for block b of a row, as one int32 of two int16 halves: the low
/// −zq, the high −Σ q. Against the packed block sums (low Σ w, high 128), one vpdpwssd adds
/// −zq · Σ w − 128 · Σ q to the accumulated Σ (w + 128) · q, leaving Σ (q − zq) · w. Both halves
/// fit: |zq| ≤ 128 and |Σ q| ≤ 32 · 128.
static inline int32_t edge_block_correction(int8_t zero, int32_t sum) {
  return (int32_t)((uint32_t)(uint16_t)(int16_t)(-(int32_t)zero) | ((uint32_t)(uint16_t)(int16_t)(-sum) << 16));
}

#endif
