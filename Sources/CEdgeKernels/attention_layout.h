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

/// kt[d][j] = k[j][d] · scale for j < length, 0 up to edge_attention_keys(length).
static inline void edge_attention_transpose_keys(const float *k, int stride, int length, int width, float scale,
                                                 float *kt) {
  const int keys = edge_attention_keys(length);
  for (int j = 0; j < length; j++) {
    const float *row = k + (size_t)j * stride;
    for (int d = 0; d < width; d++) kt[(size_t)d * keys + j] = row[d] * scale;
  }
  for (int d = 0; d < width; d++)
    for (int j = length; j < keys; j++) kt[(size_t)d * keys + j] = 0.0f;
}
#endif
