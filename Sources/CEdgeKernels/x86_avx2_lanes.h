// Helpers shared by the AVX2+FMA kernel files (and the VNNI ones, whose CPUs have AVX2): the
// target attribute, horizontal reductions of a 256-bit vector's eight floats, and the W8A8 tiles'
// per-block terms.
#ifndef EDGE_X86_AVX2_LANES_H
#define EDGE_X86_AVX2_LANES_H
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <string.h>

#include "activation_blocks.h"
#include "edge_kernels.h"

#define EDGE_AVX2 __attribute__((target("avx2,fma")))

EDGE_AVX2 static inline float edge_hmax(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

EDGE_AVX2 static inline float edge_hmin(__m256 v) {
  __m128 m = _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_min_ps(m, _mm_movehl_ps(m, m));
  m = _mm_min_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

/// Σ of a block's 32 signed activations: vpsadbw sums bytes as unsigned, so they are offset by
/// 128 first and 32 · 128 is taken back.
EDGE_AVX2 static inline int32_t edge_block_sum(const int8_t *a) {
  const __m256i bytes = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)a), _mm256_set1_epi8((char)0x80));
  const __m256i sums = _mm256_sad_epu8(bytes, _mm256_setzero_si256());
  const __m128i pair = _mm_add_epi64(_mm256_castsi256_si128(sums), _mm256_extracti128_si256(sums, 1));
  return (int32_t)(_mm_cvtsi128_si64(pair) + _mm_extract_epi64(pair, 1)) - 32 * 128;
}

/// What the VNNI W8A8 kernels (weights offset by 128) need per row and block of a tile, once for
/// the tile rather than once per panel: with scales (`scaled`), 128 · Σ a in `offsets` and the
/// rounded ascale · zq in `zero_scales`; for exact integer sums, the combined correction
/// (edge_block_correction) in `offsets`. Rows `first` … `first + rows − 1` of the activations.
EDGE_AVX2 static inline void edge_tile_block_terms(const int8_t *qa, const float *ascales, const int8_t *azeros, int first,
                                                   int rows, int kp, int nb, int scaled, int32_t *offsets,
                                                   float *zero_scales) {
  for (int r = 0; r < rows; r++)
    for (int b = 0; b < nb; b++) {
      const size_t block = (size_t)(first + r) * nb + b;
      const int32_t sum = edge_block_sum(qa + (size_t)(first + r) * kp + (size_t)b * EDGE_BLOCK);
      offsets[r * nb + b] = scaled ? sum * 128 : edge_block_correction(azeros[block], sum);
      zero_scales[r * nb + b] = scaled ? ascales[block] * (float)azeros[block] : 0.0f;
    }
}

/// A GEMM tile's row of one 16-column panel, plus the bias, written to `row`: whole when the
/// panel is, else its first `valid` columns (the bias read only there; NULL for none).
EDGE_AVX2 static inline void edge_store_panel_row(float *row, __m256 y0, __m256 y1, const float *bias, int valid) {
  float bs[EDGE_PANEL] = {0};
  if (bias) memcpy(bs, bias, sizeof(float) * (size_t)valid);
  y0 = _mm256_add_ps(y0, _mm256_loadu_ps(bs));
  y1 = _mm256_add_ps(y1, _mm256_loadu_ps(bs + 8));
  if (valid == EDGE_PANEL) {
    _mm256_storeu_ps(row, y0);
    _mm256_storeu_ps(row + 8, y1);
  } else {
    float out[EDGE_PANEL];
    _mm256_storeu_ps(out, y0);
    _mm256_storeu_ps(out + 8, y1);
    memcpy(row, out, sizeof(float) * (size_t)valid);
  }
}

EDGE_AVX2 static inline float edge_hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
#endif
#endif
