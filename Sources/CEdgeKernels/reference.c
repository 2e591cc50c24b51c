// Scalar reference implementations: the definition of every format and kernel, against which
// the vector versions are tested. Written for clarity, not speed.
#include "edge_kernels.h"
#include "activation_blocks.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/// round-to-nearest-even as the vector code's cvtps2dq does; NaN and out-of-range values become
/// INT32_MIN there, and the clamp then maps them to -127 in both implementations.
static int edge_round_clamp(float v, int limit) {
  float r = nearbyintf(v);
  int q = (isnan(r) || r >= 2147483648.0f || r < -2147483648.0f) ? INT32_MIN : (int)r;
  if (q > limit) q = limit;
  if (q < -limit) q = -limit;
  return q;
}

/// max|x| over block b of a row of k values (zero padding past k; NaN ignored).
static float edge_block_amax(const float *row, int b, int k) {
  float amax = 0.0f;
  for (int t = 0; t < EDGE_BLOCK; t++) {
    const int kk = b * EDGE_BLOCK + t;
    const float v = kk < k ? fabsf(row[kk]) : 0.0f;
    if (v > amax) amax = v;
  }
  return amax;
}

void edge_quantize_symmetric_ref(const float *x, int m, int k, int8_t *q, float *scales) {
  const int kp = edge_padded_k(k), nb = kp / EDGE_BLOCK;
  for (int i = 0; i < m; i++) {
    const float *row = x + (size_t)i * k;
    for (int b = 0; b < nb; b++) {
      const float amax = edge_block_amax(row, b, k);
      const float inverse = amax > 0.0f ? 127.0f / amax : 0.0f;
      scales[(size_t)i * nb + b] = amax / 127.0f;
      for (int t = 0; t < EDGE_BLOCK; t++) {
        const int kk = b * EDGE_BLOCK + t;
        const float v = kk < k ? row[kk] : 0.0f;
        q[(size_t)i * kp + kk] = (int8_t)edge_round_clamp(v * inverse, 127);
      }
    }
  }
}

void edge_quantize_activations_ref(const float *x, int m, int k, int8_t *q, float *scales, int8_t *zeros) {
  const int kp = edge_padded_k(k), nb = kp / EDGE_BLOCK;
  for (int i = 0; i < m; i++) {
    const float *row = x + (size_t)i * k;
    for (int b = 0; b < nb; b++) {
      float lo = 0.0f, hi = 0.0f;  // NaN ignored; padding is 0, which the range holds anyway
      for (int t = 0; t < EDGE_BLOCK && b * EDGE_BLOCK + t < k; t++) {
        const float v = row[b * EDGE_BLOCK + t];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      const edge_activation_block block = edge_activation_block_from(lo, hi);
      scales[(size_t)i * nb + b] = block.scale;
      zeros[(size_t)i * nb + b] = (int8_t)(block.zero - 128);
      for (int t = 0; t < EDGE_BLOCK; t++) {
        const int kk = b * EDGE_BLOCK + t;
        const float r = nearbyintf((kk < k ? row[kk] : 0.0f) * block.inverse);
        // As cvtps2dq: NaN and out-of-range become INT32_MIN (then the lowest code).
        const int64_t u = (int64_t)((isnan(r) || r >= 2147483648.0f || r < -2147483648.0f) ? INT32_MIN : (int)r) + block.zero;
        q[(size_t)i * kp + kk] = (int8_t)((u < 0 ? 0 : u > 255 ? 255 : u) - 128);
      }
    }
  }
}

void edge_dequantize_activations(const int8_t *q, const float *scales, const int8_t *zeros, int m, int k, float *x) {
  const int kp = edge_padded_k(k), nb = kp / EDGE_BLOCK;
  for (int i = 0; i < m; i++)
    for (int kk = 0; kk < k; kk++) {
      const size_t block = (size_t)i * nb + kk / EDGE_BLOCK;
      x[(size_t)i * k + kk] = (float)(q[(size_t)i * kp + kk] - zeros[block]) * scales[block];
    }
}

void edge_quantize_rows_s8(const float *w, int n, int k, int8_t *q, float *scales) {
  for (int j = 0; j < n; j++) {
    const float *row = w + (size_t)j * k;
    float amax = 0.0f;
    for (int kk = 0; kk < k; kk++) {
      const float v = fabsf(row[kk]);
      if (v > amax) amax = v;
    }
    const float inverse = amax > 0.0f ? 127.0f / amax : 0.0f;
    scales[j] = amax / 127.0f;
    for (int kk = 0; kk < k; kk++) q[(size_t)j * k + kk] = (int8_t)edge_round_clamp(row[kk] * inverse, 127);
  }
}

void edge_quantize_rows_q4(const float *w, int n, int k, uint8_t *q, float *scales) {
  const int kp = edge_padded_k(k), nb = kp / EDGE_BLOCK;
  for (int j = 0; j < n; j++) {
    const float *row = w + (size_t)j * k;
    for (int b = 0; b < nb; b++) {
      const float amax = edge_block_amax(row, b, k);
      const float inverse = amax > 0.0f ? 7.0f / amax : 0.0f;
      scales[(size_t)j * nb + b] = amax / 7.0f;
      uint8_t *bytes = q + (size_t)j * (kp / 2) + (size_t)b * (EDGE_BLOCK / 2);
      for (int t = 0; t < EDGE_BLOCK / 2; t++) {
        const int lo = b * EDGE_BLOCK + t, hi = lo + EDGE_BLOCK / 2;
        const int ql = edge_round_clamp((lo < k ? row[lo] : 0.0f) * inverse, 7) + 8;
        const int qh = edge_round_clamp((hi < k ? row[hi] : 0.0f) * inverse, 7) + 8;
        bytes[t] = (uint8_t)(ql | (qh << 4));
      }
    }
  }
}

size_t edge_packed_w8_count(int n, int k) { return (size_t)edge_padded_n(n) * (size_t)edge_padded_k(k); }

void edge_quantize_blocks_s8(const float *w, int n, int k, int8_t *q, float *scales) {
  const int kp = edge_padded_k(k), nb = kp / EDGE_BLOCK;
  for (int j = 0; j < n; j++) {
    for (int b = 0; b < nb; b++) {
      const int begin = b * EDGE_BLOCK, end = begin + EDGE_BLOCK < k ? begin + EDGE_BLOCK : k;
      float amax = 0.0f;
      for (int kk = begin; kk < end; kk++) amax = fabsf(w[(size_t)j * k + kk]) > amax ? fabsf(w[(size_t)j * k + kk]) : amax;
      scales[(size_t)j * nb + b] = amax / 127.0f;
      const float inverse = amax > 0.0f ? 127.0f / amax : 0.0f;
      for (int kk = begin; kk < end; kk++) {
        const float v = nearbyintf(w[(size_t)j * k + kk] * inverse);
        q[(size_t)j * k + kk] = (int8_t)(v > 127.0f ? 127.0f : v < -127.0f ? -127.0f : v);
      }
    }
  }
}

size_t edge_packed_w8_scale_count(int n, int k) {
  return (size_t)edge_padded_n(n) * (size_t)(edge_padded_k(k) / EDGE_BLOCK);
}

void edge_pack_w8_scales(const float *scales, int n, int k, float *packed) {
  const int nb = edge_padded_k(k) / EDGE_BLOCK, np = edge_padded_n(n);
  for (int p = 0; p < np / EDGE_PANEL; p++)
    for (int b = 0; b < nb; b++)
      for (int c = 0; c < EDGE_PANEL; c++) {
        const int column = p * EDGE_PANEL + c;
        packed[((size_t)p * nb + b) * EDGE_PANEL + c] = column < n ? scales[(size_t)column * nb + b] : 0.0f;
      }
}

/// Σ of column j's weights over block b (0 past the last column or k).
static int32_t edge_block_weight_sum(const int8_t *q, int n, int k, int column, int b) {
  int32_t sum = 0;
  for (int kk = b * EDGE_BLOCK; column < n && kk < k && kk < (b + 1) * EDGE_BLOCK; kk++) sum += q[(size_t)column * k + kk];
  return sum;
}

void edge_pack_w8_sums(const int8_t *q, int n, int k, int32_t *packed) {
  const int nb = edge_padded_k(k) / EDGE_BLOCK, np = edge_padded_n(n);
  for (int p = 0; p < np / EDGE_PANEL; p++)
    for (int b = 0; b < nb; b++)
      for (int c = 0; c < EDGE_PANEL; c++) {
        const int32_t sum = edge_block_weight_sum(q, n, k, p * EDGE_PANEL + c, b);
        packed[((size_t)p * nb + b) * EDGE_PANEL + c] = (int32_t)((uint32_t)(uint16_t)(int16_t)sum | (128u << 16));
      }
}

void edge_pack_w8_zero_terms(const int8_t *q, const float *scales, int n, int k, float *packed) {
  const int nb = edge_padded_k(k) / EDGE_BLOCK, np = edge_padded_n(n);
  for (int p = 0; p < np / EDGE_PANEL; p++)
    for (int b = 0; b < nb; b++)
      for (int c = 0; c < EDGE_PANEL; c++) {
        const int column = p * EDGE_PANEL + c;
        packed[((size_t)p * nb + b) * EDGE_PANEL + c] =
            column < n ? -(scales[(size_t)column * nb + b] * (float)edge_block_weight_sum(q, n, k, column, b)) : 0.0f;
      }
}

void edge_pack_w8(const int8_t *q, int n, int k, int8_t *packed) {
  const int kp = edge_padded_k(k), np = edge_padded_n(n);
  for (int p = 0; p < np / EDGE_PANEL; p++) {
    int8_t *panel = packed + (size_t)p * EDGE_PANEL * kp;
    for (int quad = 0; quad < kp / 4; quad++) {
      for (int c = 0; c < EDGE_PANEL; c++) {
        const int column = p * EDGE_PANEL + c;
        for (int t = 0; t < 4; t++) {
          const int kk = 4 * quad + t;
          panel[((size_t)quad * EDGE_PANEL + c) * 4 + t] = (column < n && kk < k) ? q[(size_t)column * k + kk] : 0;
        }
      }
    }
  }
}

void edge_gemm_w8a8_ref(const int8_t *qa, const float *ascales, const int8_t *azeros, int m, int k,
                        const int8_t *qw, const float *wscales, const float *bias, int n, float *c) {
  const int kp = edge_padded_k(k), nb = kp / EDGE_BLOCK;
  for (int i = 0; i < m; i++) {
    for (int j = 0; j < n; j++) {
      float acc = 0.0f;
      for (int b = 0; b < nb; b++) {
        const float ascale = ascales[(size_t)i * nb + b], wscale = wscales[(size_t)j * nb + b];
        int32_t dot = 0, wsum = 0;
        for (int t = 0; t < EDGE_BLOCK; t++) {
          const int kk = b * EDGE_BLOCK + t;
          if (kk < k) {
            dot += (int32_t)qa[(size_t)i * kp + kk] * (int32_t)qw[(size_t)j * k + kk];
            wsum += qw[(size_t)j * k + kk];
          }
        }
        acc = fmaf((float)dot, ascale * wscale, acc);
        acc = fmaf(ascale * (float)azeros[(size_t)i * nb + b], -(wscale * (float)wsum), acc);
      }
      c[(size_t)i * n + j] = acc + (bias ? bias[j] : 0.0f);
    }
  }
}

void edge_gemm_s8_s32_ref(const int8_t *qa, const int8_t *azeros, int m, int k, const int8_t *qw, int n, int32_t *c) {
  const int kp = edge_padded_k(k), nb = kp / EDGE_BLOCK;
  for (int i = 0; i < m; i++) {
    for (int j = 0; j < n; j++) {
      int32_t sum = 0;
      for (int kk = 0; kk < k; kk++)
        sum += ((int32_t)qa[(size_t)i * kp + kk] - azeros[(size_t)i * nb + kk / EDGE_BLOCK]) * (int32_t)qw[(size_t)j * k + kk];
      c[(size_t)i * n + j] = sum;
    }
  }
}

void edge_gemv_q8_ref(const float *x, int k, const int8_t *q, const float *wscales,
                      const float *bias, int n_begin, int n_end, float *y) {
  for (int j = n_begin; j < n_end; j++) {
    float sum = 0.0f;
    for (int kk = 0; kk < k; kk++) sum += (float)q[(size_t)j * k + kk] * x[kk];
    y[j] = sum * wscales[j] + (bias ? bias[j] : 0.0f);
  }
}

void edge_gemv_q4_ref(const float *x, int k, const uint8_t *q, const float *scales,
                      const float *bias, int n_begin, int n_end, float *y) {
  const int kp = edge_padded_k(k), nb = kp / EDGE_BLOCK;
  int8_t *xq = malloc((size_t)kp);
  float *xs = malloc(sizeof(float) * (size_t)nb);
  if (!xq || !xs) abort();
  edge_quantize_symmetric_ref(x, 1, k, xq, xs);
  for (int j = n_begin; j < n_end; j++) {
    float sum = 0.0f;
    for (int b = 0; b < nb; b++) {
      const uint8_t *bytes = q + (size_t)j * (kp / 2) + (size_t)b * (EDGE_BLOCK / 2);
      int32_t dot = 0;
      for (int t = 0; t < EDGE_BLOCK / 2; t++) {
        dot += ((bytes[t] & 15) - 8) * xq[b * EDGE_BLOCK + t];
        dot += ((bytes[t] >> 4) - 8) * xq[b * EDGE_BLOCK + t + EDGE_BLOCK / 2];
      }
      sum = fmaf((float)dot, scales[(size_t)j * nb + b] * xs[b], sum);
    }
    y[j] = sum + (bias ? bias[j] : 0.0f);
  }
  free(xq);
  free(xs);
}

size_t edge_packed_f32_count(int n, int k) { return (size_t)edge_padded_n(n) * (size_t)k; }

void edge_pack_f32(const float *w, int n, int k, float *packed) {
  for (int p = 0; p < edge_padded_n(n) / EDGE_PANEL; p++)
    for (int kk = 0; kk < k; kk++)
      for (int t = 0; t < EDGE_PANEL; t++) {
        const int j = p * EDGE_PANEL + t;
        packed[((size_t)p * k + kk) * EDGE_PANEL + t] = j < n ? w[(size_t)j * k + kk] : 0.0f;
      }
}

void edge_sgemm_ref(const float *a, int m, int k, const float *w, const float *bias, int n, float *c) {
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      float acc = 0.0f;
      for (int kk = 0; kk < k; kk++) acc = __builtin_fmaf(a[(size_t)i * k + kk], w[(size_t)j * k + kk], acc);
      c[(size_t)i * n + j] = acc + (bias ? bias[j] : 0.0f);
    }
}
