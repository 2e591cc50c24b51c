// AVX-512 attention (transformer.c has the reference and the dispatch): the AVX2 kernel's blocking
// on 16 keys per vector, with masks for the last keys and columns so that any head width runs.
// Called only after dispatch.c has checked the CPU.
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <math.h>

#include "attention_layout.h"
#include "edge_kernels.h"
#include "x86_avx512.h"

#define EDGE_AVX512 __attribute__((target("avx2,fma,avx512f")))

// e^x as the AVX2 kernels compute it (x86_avx2_transformer.c), sixteen lanes at a time.
EDGE_AVX512 static inline __m512 edge_exp16(__m512 x) {
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3365447f)), _mm512_set1_ps(88.3762626f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  const __m512i exponent = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
  return _mm512_mul_ps(p, _mm512_castsi512_ps(exponent));
}

// GELU as the AVX2 kernel computes it (Abramowitz & Stegun 7.1.26 for erfc), sixteen lanes at a
// time, with 1 / (1 + p·z) from vrcp14ps and one Newton step (relative error about 2^-28 before
// rounding) instead of a division, which on Zen 4 cost as much as the rest of the polynomial.
EDGE_AVX512 static inline __m512 edge_gelu16(__m512 x) {
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512 z = _mm512_mul_ps(_mm512_abs_ps(x), _mm512_set1_ps(0.70710678118654752f));
  // The denominator capped (erfc is 0 in float long before), so that x = +inf gives the
  // reference's +inf rather than the NaN of rcp14(inf) · (2 − inf · 0).
  const __m512 d = _mm512_min_ps(_mm512_fmadd_ps(z, _mm512_set1_ps(0.3275911f), one), _mm512_set1_ps(1e30f));
  __m512 t = _mm512_rcp14_ps(d);
  t = _mm512_mul_ps(t, _mm512_fnmadd_ps(d, t, _mm512_set1_ps(2.0f)));
  __m512 p = _mm512_set1_ps(1.061405429f);
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-1.453152027f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.421413741f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-0.284496736f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.254829592f));
  p = _mm512_mul_ps(p, t);
  const __m512 half_erfc = _mm512_mul_ps(_mm512_mul_ps(p, edge_exp16(_mm512_mul_ps(_mm512_sub_ps(_mm512_setzero_ps(), z), z))),
                                         _mm512_set1_ps(0.5f));
  const __mmask16 negative = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
  const __m512 phi = _mm512_mask_blend_ps(negative, _mm512_sub_ps(one, half_erfc), half_erfc);
  return _mm512_mul_ps(x, phi);
}

static inline __mmask16 edge_lanes(int count) { return count >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << count) - 1u); }

/// exp(x - max) over the first n values in place; returns their sum.
EDGE_AVX512 static float edge_exp_row_avx512(float *row, int n) {
  __m512 vmax = _mm512_set1_ps(-INFINITY);
  for (int j = 0; j < n; j += 16) vmax = _mm512_max_ps(vmax, _mm512_mask_loadu_ps(vmax, edge_lanes(n - j), row + j));
  const __m512 m = _mm512_set1_ps(_mm512_reduce_max_ps(vmax));
  __m512 vsum = _mm512_setzero_ps();
  for (int j = 0; j < n; j += 16) {
    const __mmask16 lanes = edge_lanes(n - j);
    const __m512 e = edge_exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(lanes, row + j), m));
    _mm512_mask_storeu_ps(row + j, lanes, e);
    vsum = _mm512_mask_add_ps(vsum, lanes, vsum, e);
  }
  return _mm512_reduce_add_ps(vsum);
}

// Scores of `rows` query rows against every key: per dimension, one load of 16 transposed keys
// serves every row (the row's value broadcast inside each FMA).
EDGE_AVX512 __attribute__((always_inline)) static inline void edge_attention_scores_avx512(
    const float *q, int stride, const float *kt, int keys, int width, const int rows, float *scores) {
  for (int j0 = 0; j0 < keys; j0 += 16) {
    __m512 acc[EDGE_ATTENTION_ROWS];
    for (int r = 0; r < rows; r++) acc[r] = _mm512_setzero_ps();
    for (int d = 0; d < width; d++) {
      const __m512 kv = _mm512_loadu_ps(kt + (size_t)d * keys + j0);
      for (int r = 0; r < rows; r++) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(q[(size_t)r * stride + d]), kv, acc[r]);
    }
    for (int r = 0; r < rows; r++) _mm512_storeu_ps(scores + (size_t)r * keys + j0, acc[r]);
  }
}

// Σ_j p_rj · v_j for `rows` rows over 32 columns from `column` (masked past the head's width),
// each output scaled by its row's 1 / Σ p: one load of a value row serves every row.
EDGE_AVX512 __attribute__((always_inline)) static inline void edge_attention_values_avx512(
    const float *scores, int keys, const float *inverse, const float *v, int stride, int length, int column,
    int width, const int rows, float *out) {
  const __mmask16 lanes[2] = {edge_lanes(width - column), edge_lanes(width - column - 16 > 0 ? width - column - 16 : 0)};
  __m512 acc[EDGE_ATTENTION_ROWS][2];
  for (int r = 0; r < rows; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  for (int j = 0; j < length; j++) {
    const float *vj = v + (size_t)j * stride + column;
    const __m512 v0 = _mm512_maskz_loadu_ps(lanes[0], vj), v1 = _mm512_maskz_loadu_ps(lanes[1], vj + 16);
    for (int r = 0; r < rows; r++) {
      const __m512 p = _mm512_set1_ps(scores[(size_t)r * keys + j]);
      acc[r][0] = _mm512_fmadd_ps(p, v0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(p, v1, acc[r][1]);
    }
  }
  for (int r = 0; r < rows; r++) {
    const __m512 scale = _mm512_set1_ps(inverse[r]);
    _mm512_mask_storeu_ps(out + (size_t)r * stride + column, lanes[0], _mm512_mul_ps(acc[r][0], scale));
    _mm512_mask_storeu_ps(out + (size_t)r * stride + column + 16, lanes[1], _mm512_mul_ps(acc[r][1], scale));
  }
}

EDGE_AVX512 void edge_attention_head_avx512(const float *q, const float *k, const float *v, int stride, int length,
                                            int width, float scale, float *scratch, float *out) {
  const int keys = edge_attention_keys(length);
  float *kt = scratch, *scores = scratch + (size_t)width * keys;
  edge_attention_transpose_keys_avx2(k, stride, length, width, scale, kt);
  for (int i = 0; i < length; i += EDGE_ATTENTION_ROWS) {
    const int rows = length - i < EDGE_ATTENTION_ROWS ? length - i : EDGE_ATTENTION_ROWS;
    const float *qi = q + (size_t)i * stride;
    float *o = out + (size_t)i * stride;
    // A constant row count per call, so each case compiles to a loop without branches.
    switch (rows) {
    case 8: edge_attention_scores_avx512(qi, stride, kt, keys, width, 8, scores); break;
    case 7: edge_attention_scores_avx512(qi, stride, kt, keys, width, 7, scores); break;
    case 6: edge_attention_scores_avx512(qi, stride, kt, keys, width, 6, scores); break;
    case 5: edge_attention_scores_avx512(qi, stride, kt, keys, width, 5, scores); break;
    case 4: edge_attention_scores_avx512(qi, stride, kt, keys, width, 4, scores); break;
    case 3: edge_attention_scores_avx512(qi, stride, kt, keys, width, 3, scores); break;
    case 2: edge_attention_scores_avx512(qi, stride, kt, keys, width, 2, scores); break;
    default: edge_attention_scores_avx512(qi, stride, kt, keys, width, 1, scores); break;
    }
    float inverse[EDGE_ATTENTION_ROWS];
    for (int r = 0; r < rows; r++) inverse[r] = 1.0f / edge_exp_row_avx512(scores + (size_t)r * keys, length);
    for (int column = 0; column < width; column += 32) {
#define EDGE_VALUES(R) edge_attention_values_avx512(scores, keys, inverse, v, stride, length, column, width, R, o)
      switch (rows) {
      case 8: EDGE_VALUES(8); break;
      case 7: EDGE_VALUES(7); break;
      case 6: EDGE_VALUES(6); break;
      case 5: EDGE_VALUES(5); break;
      case 4: EDGE_VALUES(4); break;
      case 3: EDGE_VALUES(3); break;
      case 2: EDGE_VALUES(2); break;
      default: EDGE_VALUES(1); break;
      }
#undef EDGE_VALUES
    }
  }
}
EDGE_AVX512 void edge_gelu_avx512(float *x, size_t count) {
  size_t i = 0;
  for (; i + 16 <= count; i += 16) _mm512_storeu_ps(x + i, edge_gelu16(_mm512_loadu_ps(x + i)));
  if (i < count) {
    const __mmask16 lanes = edge_lanes((int)(count - i));
    _mm512_mask_storeu_ps(x + i, lanes, edge_gelu16(_mm512_maskz_loadu_ps(lanes, x + i)));
  }
}
#endif
