// AVX2+FMA versions of the transformer's element-wise kernels (transformer.c has the
// references), called only after dispatch has checked the CPU.
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <math.h>

#include "attention_layout.h"
#include "edge_kernels.h"
#include "x86_avx2.h"
#include "x86_avx2_lanes.h"

// e^x for x in [-87.3, 88.3] (clamped outside): x = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in two
// so r stays exact), e^r by a degree-6 polynomial (Cephes' expf coefficients, about 1 ulp), and
// 2^n built in the exponent field.
EDGE_AVX2 static inline __m256 edge_exp8(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3365447f)), _mm256_set1_ps(88.3762626f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i exponent = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(exponent));
}

// Φ(x) = 0.5 · erfc(-x / √2). With z = |x| / √2, A&S 7.1.26 gives erfc(z) = t·P(t)·e^{-z²},
// t = 1 / (1 + 0.3275911 z): Φ = 0.5·erfc(z) for x < 0 (no cancellation in the tail) and
// 1 - 0.5·erfc(z) for x ≥ 0.
EDGE_AVX2 static inline __m256 edge_gelu8(__m256 x) {
  const __m256 sign_mask = _mm256_set1_ps(-0.0f);
  const __m256 z = _mm256_mul_ps(_mm256_andnot_ps(sign_mask, x), _mm256_set1_ps(0.70710678118654752f));
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 t = _mm256_div_ps(one, _mm256_fmadd_ps(z, _mm256_set1_ps(0.3275911f), one));
  __m256 p = _mm256_set1_ps(1.061405429f);
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.453152027f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.421413741f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.284496736f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.254829592f));
  p = _mm256_mul_ps(p, t);
  const __m256 half_erfc = _mm256_mul_ps(_mm256_mul_ps(p, edge_exp8(_mm256_mul_ps(_mm256_sub_ps(_mm256_setzero_ps(), z), z))),
                                         _mm256_set1_ps(0.5f));
  const __m256 negative = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ);
  const __m256 phi = _mm256_blendv_ps(_mm256_sub_ps(one, half_erfc), half_erfc, negative);
  return _mm256_mul_ps(x, phi);
}

EDGE_AVX2 void edge_gelu_avx2(float *x, size_t count) {
  size_t i = 0;
  for (; i + 8 <= count; i += 8) _mm256_storeu_ps(x + i, edge_gelu8(_mm256_loadu_ps(x + i)));
  if (i < count) {
    float tail[8] = {0};
    for (size_t j = i; j < count; j++) tail[j - i] = x[j];
    _mm256_storeu_ps(tail, edge_gelu8(_mm256_loadu_ps(tail)));
    for (size_t j = i; j < count; j++) x[j] = tail[j - i];
  }
}

EDGE_AVX2 float edge_exp_row_avx2(float *row, int n) {
  int j = 0;
  __m256 vmax = _mm256_set1_ps(-INFINITY);
  for (; j + 8 <= n; j += 8) vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(row + j));
  float maximum = edge_hmax(vmax);
  for (; j < n; j++) maximum = row[j] > maximum ? row[j] : maximum;
  const __m256 m = _mm256_set1_ps(maximum);
  __m256 vsum = _mm256_setzero_ps();
  for (j = 0; j + 8 <= n; j += 8) {
    const __m256 e = edge_exp8(_mm256_sub_ps(_mm256_loadu_ps(row + j), m));
    _mm256_storeu_ps(row + j, e);
    vsum = _mm256_add_ps(vsum, e);
  }
  float sum = edge_hsum(vsum);
  for (; j < n; j++) {
    row[j] = expf(row[j] - maximum);
    sum += row[j];
  }
  return sum;
}

EDGE_AVX2 void edge_softmax_rows_avx2(float *x, int rows, int n) {
  for (int r = 0; r < rows; r++) {
    float *row = x + (size_t)r * n;
    const float inverse = 1.0f / edge_exp_row_avx2(row, n);
    const __m256 scale = _mm256_set1_ps(inverse);
    int j = 0;
    for (; j + 8 <= n; j += 8) _mm256_storeu_ps(row + j, _mm256_mul_ps(_mm256_loadu_ps(row + j), scale));
    for (; j < n; j++) row[j] *= inverse;
  }
}

// Rows r[0..7] become columns: r[t] holds element t of each of the eight rows.
EDGE_AVX2 static inline void edge_transpose8(__m256 r[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 s0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0)), s1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0)), s3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0)), s5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0)), s7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
  r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
  r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
  r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
  r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
  r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
  r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
  r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
  r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

EDGE_AVX2 void edge_attention_transpose_keys_avx2(const float *k, int stride, int length, int width, float scale,
                                                  float *kt) {
  const int keys = edge_attention_keys(length);
  const __m256 factor = _mm256_set1_ps(scale);
  int j = 0;
  for (; j + 8 <= length; j += 8) {
    int d = 0;
    for (; d + 8 <= width; d += 8) {
      __m256 r[8];
      for (int t = 0; t < 8; t++) r[t] = _mm256_loadu_ps(k + (size_t)(j + t) * stride + d);
      edge_transpose8(r);
      for (int t = 0; t < 8; t++) _mm256_storeu_ps(kt + (size_t)(d + t) * keys + j, _mm256_mul_ps(r[t], factor));
    }
#pragma clang loop vectorize(disable)
    for (; d < width; d++)
      for (int t = 0; t < 8; t++) kt[(size_t)d * keys + j + t] = k[(size_t)(j + t) * stride + d] * scale;
  }
#pragma clang loop vectorize(disable)
  for (; j < length; j++)
    for (int d = 0; d < width; d++) kt[(size_t)d * keys + j] = k[(size_t)j * stride + d] * scale;
  for (int d = 0; d < width; d++)
    for (int rest = length; rest < keys; rest++) kt[(size_t)d * keys + rest] = 0.0f;
}

// Scores of `rows` query rows against every key: per dimension, one load of 8 transposed keys
// serves every row (a broadcast of the row's value and one FMA each).
EDGE_AVX2 __attribute__((always_inline)) static inline void edge_attention_scores_avx2(
    const float *q, int stride, const float *kt, int keys, int width, const int rows, float *scores) {
  for (int j0 = 0; j0 < keys; j0 += 8) {
    __m256 acc[EDGE_ATTENTION_ROWS];
    for (int r = 0; r < rows; r++) acc[r] = _mm256_setzero_ps();
    for (int d = 0; d < width; d++) {
      const __m256 kv = _mm256_loadu_ps(kt + (size_t)d * keys + j0);
      for (int r = 0; r < rows; r++) acc[r] = _mm256_fmadd_ps(_mm256_broadcast_ss(q + (size_t)r * stride + d), kv, acc[r]);
    }
    for (int r = 0; r < rows; r++) _mm256_storeu_ps(scores + (size_t)r * keys + j0, acc[r]);
  }
}

// Σ_j p_rj · v_j for up to four rows and `vectors` (1 or 2) vectors of columns from `column`,
// each output scaled by its row's 1 / Σ p: one load of a value row serves every row.
EDGE_AVX2 __attribute__((always_inline)) static inline void edge_attention_values_avx2(
    const float *scores, int keys, const float *inverse, const float *v, int stride, int length, int column,
    const int rows, const int vectors, float *out) {
  __m256 acc[4][2];
  for (int r = 0; r < rows; r++)
    for (int t = 0; t < vectors; t++) acc[r][t] = _mm256_setzero_ps();
  for (int j = 0; j < length; j++) {
    const float *vj = v + (size_t)j * stride + column;
    __m256 vv[2];
    for (int t = 0; t < vectors; t++) vv[t] = _mm256_loadu_ps(vj + 8 * t);
    for (int r = 0; r < rows; r++) {
      const __m256 p = _mm256_broadcast_ss(scores + (size_t)r * keys + j);
      for (int t = 0; t < vectors; t++) acc[r][t] = _mm256_fmadd_ps(p, vv[t], acc[r][t]);
    }
  }
  for (int r = 0; r < rows; r++) {
    const __m256 scale = _mm256_set1_ps(inverse[r]);
    for (int t = 0; t < vectors; t++)
      _mm256_storeu_ps(out + (size_t)r * stride + column + 8 * t, _mm256_mul_ps(acc[r][t], scale));
  }
}

EDGE_AVX2 void edge_attention_head_avx2(const float *q, const float *k, const float *v, int stride, int length,
                                        int width, float scale, float *scratch, float *out) {
  const int keys = edge_attention_keys(length);
  float *kt = scratch, *scores = scratch + (size_t)width * keys;
  edge_attention_transpose_keys_avx2(k, stride, length, width, scale, kt);
  for (int i = 0; i < length; i += EDGE_ATTENTION_ROWS) {
    const int rows = length - i < EDGE_ATTENTION_ROWS ? length - i : EDGE_ATTENTION_ROWS;
    const float *qi = q + (size_t)i * stride;
    // A constant row count per call, so each case compiles to a loop without branches.
    switch (rows) {
    case 8: edge_attention_scores_avx2(qi, stride, kt, keys, width, 8, scores); break;
    case 7: edge_attention_scores_avx2(qi, stride, kt, keys, width, 7, scores); break;
    case 6: edge_attention_scores_avx2(qi, stride, kt, keys, width, 6, scores); break;
    case 5: edge_attention_scores_avx2(qi, stride, kt, keys, width, 5, scores); break;
    case 4: edge_attention_scores_avx2(qi, stride, kt, keys, width, 4, scores); break;
    case 3: edge_attention_scores_avx2(qi, stride, kt, keys, width, 3, scores); break;
    case 2: edge_attention_scores_avx2(qi, stride, kt, keys, width, 2, scores); break;
    default: edge_attention_scores_avx2(qi, stride, kt, keys, width, 1, scores); break;
    }
    float inverse[EDGE_ATTENTION_ROWS];
    for (int r = 0; r < rows; r++) inverse[r] = 1.0f / edge_exp_row_avx2(scores + (size_t)r * keys, length);
    for (int r0 = 0; r0 < rows; r0 += 4) {
      const int part = rows - r0 < 4 ? rows - r0 : 4;
      const float *p = scores + (size_t)r0 * keys;
      float *o = out + (size_t)(i + r0) * stride;
      for (int column = 0; column < width; column += 16) {
        const int vectors = width - column >= 16 ? 2 : 1;
#define EDGE_VALUES(R, V) edge_attention_values_avx2(p, keys, inverse + r0, v, stride, length, column, R, V, o)
        if (vectors == 2) {
          switch (part) {
          case 4: EDGE_VALUES(4, 2); break;
          case 3: EDGE_VALUES(3, 2); break;
          case 2: EDGE_VALUES(2, 2); break;
          default: EDGE_VALUES(1, 2); break;
          }
        } else {
          switch (part) {
          case 4: EDGE_VALUES(4, 1); break;
          case 3: EDGE_VALUES(3, 1); break;
          case 2: EDGE_VALUES(2, 1); break;
          default: EDGE_VALUES(1, 1); break;
          }
        }
#undef EDGE_VALUES
      }
    }
  }
}

EDGE_AVX2 void edge_add_layer_norm_avx2(float *x, const float *r, int rows, int n, const float *gamma,
                                        const float *beta, float eps) {
  for (int i = 0; i < rows; i++) {
    float *row = x + (size_t)i * n;
    const float *residual = r ? r + (size_t)i * n : 0;
    __m256 vsum = _mm256_setzero_ps();
    int j = 0;
    for (; j + 8 <= n; j += 8) {
      __m256 v = _mm256_loadu_ps(row + j);
      if (residual) {
        v = _mm256_add_ps(v, _mm256_loadu_ps(residual + j));
        _mm256_storeu_ps(row + j, v);
      }
      vsum = _mm256_add_ps(vsum, v);
    }
    float sum = edge_hsum(vsum);
    for (; j < n; j++) {
      if (residual) row[j] += residual[j];
      sum += row[j];
    }
    const float mean = sum / (float)n;
    const __m256 vmean = _mm256_set1_ps(mean);
    __m256 vsquares = _mm256_setzero_ps();
    for (j = 0; j + 8 <= n; j += 8) {
      const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(row + j), vmean);
      vsquares = _mm256_fmadd_ps(d, d, vsquares);
    }
    float squares = edge_hsum(vsquares);
    for (; j < n; j++) squares += (row[j] - mean) * (row[j] - mean);
    const float inverse = 1.0f / sqrtf(squares / (float)n + eps);
    const __m256 vinverse = _mm256_set1_ps(inverse);
    for (j = 0; j + 8 <= n; j += 8) {
      const __m256 d = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(row + j), vmean), vinverse);
      _mm256_storeu_ps(row + j, _mm256_fmadd_ps(d, _mm256_loadu_ps(gamma + j), _mm256_loadu_ps(beta + j)));
    }
    for (; j < n; j++) row[j] = (row[j] - mean) * inverse * gamma[j] + beta[j];
  }
}
#endif
