// AVX2+FMA versions of the transformer's element-wise kernels (transformer.c has the
// references), called only after dispatch has checked the CPU.
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <math.h>

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

EDGE_AVX2 void edge_softmax_rows_avx2(float *x, int rows, int n) {
  for (int r = 0; r < rows; r++) {
    float *row = x + (size_t)r * n;
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
    const float inverse = 1.0f / sum;
    const __m256 scale = _mm256_set1_ps(inverse);
    for (j = 0; j + 8 <= n; j += 8) _mm256_storeu_ps(row + j, _mm256_mul_ps(_mm256_loadu_ps(row + j), scale));
    for (; j < n; j++) row[j] *= inverse;
  }
}

// Per query row: its width/8 vectors stay in registers while every key's dot product is taken,
// then the softmax, then the value rows accumulate into width/8 vector sums.
EDGE_AVX2 void edge_attention_head_avx2(const float *q, const float *k, const float *v, int stride, int length,
                                        int width, float scale, float *scores, float *out) {
  const int chunks = width / 8;
  for (int i = 0; i < length; i++) {
    __m256 qi[16];
    for (int c = 0; c < chunks; c++) qi[c] = _mm256_loadu_ps(q + (size_t)i * stride + 8 * c);
    for (int j = 0; j < length; j++) {
      const float *kj = k + (size_t)j * stride;
      __m256 dot = _mm256_mul_ps(qi[0], _mm256_loadu_ps(kj));
      for (int c = 1; c < chunks; c++) dot = _mm256_fmadd_ps(qi[c], _mm256_loadu_ps(kj + 8 * c), dot);
      scores[j] = edge_hsum(dot) * scale;
    }
    edge_softmax_rows_avx2(scores, 1, length);
    __m256 acc[16];
    for (int c = 0; c < chunks; c++) acc[c] = _mm256_setzero_ps();
    for (int j = 0; j < length; j++) {
      const __m256 p = _mm256_set1_ps(scores[j]);
      const float *vj = v + (size_t)j * stride;
      for (int c = 0; c < chunks; c++) acc[c] = _mm256_fmadd_ps(p, _mm256_loadu_ps(vj + 8 * c), acc[c]);
    }
    for (int c = 0; c < chunks; c++) _mm256_storeu_ps(out + (size_t)i * stride + 8 * c, acc[c]);
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
