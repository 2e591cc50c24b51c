// Helpers shared by the AVX2+FMA kernel files: the target attribute and horizontal reductions
// of a 256-bit vector's eight floats.
#ifndef EDGE_X86_AVX2_LANES_H
#define EDGE_X86_AVX2_LANES_H
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <string.h>

#include "edge_kernels.h"

#define EDGE_AVX2 __attribute__((target("avx2,fma")))

EDGE_AVX2 static inline float edge_hmax(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
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
