// The layout the blocked attention kernels share: the head's keys transposed (one row per
// dimension, the attention scale folded in, zero past the last token) so that one vector load
// holds a dimension of 8 or 16 consecutive keys, and the scores of a block of query rows after it.
#ifndef EDGE_ATTENTION_LAYOUT_H
#define EDGE_ATTENTION_LAYOUT_H
#include <stddef.h>

/// Query rows scored together: each key vector loaded once serves this many rows.
#define EDGE_ATTENTION_ROWS 8
/// Tokens rounded up to whole 16-key vectors.
static inline int edge_attention_keys(int length) { return (length + 15) / 16 * 16; }

/// kt[d][j] = k[j][d] · scale for j < length, 0 up to edge_attention_keys(length): 8 × 8 blocks
/// transposed in registers (written element by element, the compiler made it a scatter, which
/// took a sixth of the attention's time on Zen 4). In x86_avx2_transformer.c.
void edge_attention_transpose_keys_avx2(const float *k, int stride, int length, int width, float scale, float *kt);
#endif
