// The transformer's element-wise steps (GELU, softmax, residual + LayerNorm): scalar references
// and the dispatch to their AVX2 versions. They cost little next to the GEMMs, but at libm's
// speed GELU alone would take a third of MiniLM's time.
#include <math.h>

#include "attention_layout.h"
#include "edge_kernels.h"
#include "x86_avx2.h"
#include "x86_avx512.h"

void edge_gelu_ref(float *x, size_t count) {
  for (size_t i = 0; i < count; i++) x[i] = 0.5f * x[i] * (1.0f + erff(x[i] * 0.70710678118654752f));
}

void edge_softmax_rows_ref(float *x, int rows, int n) {
  for (int r = 0; r < rows; r++) {
    float *row = x + (size_t)r * n;
    float maximum = -INFINITY;
    for (int j = 0; j < n; j++) maximum = row[j] > maximum ? row[j] : maximum;
    float sum = 0.0f;
    for (int j = 0; j < n; j++) {
      row[j] = expf(row[j] - maximum);
      sum += row[j];
    }
    const float inverse = 1.0f / sum;
    for (int j = 0; j < n; j++) row[j] *= inverse;
  }
}

void edge_attention_head_ref(const float *q, const float *k, const float *v, int stride, int length,
                             int width, float scale, float *scratch, float *out) {
  float *scores = scratch;
  for (int i = 0; i < length; i++) {
    const float *qi = q + (size_t)i * stride;
    for (int j = 0; j < length; j++) {
      const float *kj = k + (size_t)j * stride;
      float dot = 0.0f;
      for (int d = 0; d < width; d++) dot += qi[d] * kj[d];
      scores[j] = dot * scale;
    }
    edge_softmax_rows_ref(scores, 1, length);
    float *oi = out + (size_t)i * stride;
    for (int d = 0; d < width; d++) oi[d] = 0.0f;
    for (int j = 0; j < length; j++) {
      const float *vj = v + (size_t)j * stride;
      for (int d = 0; d < width; d++) oi[d] += scores[j] * vj[d];
    }
  }
}

size_t edge_attention_scratch(int length, int width) {
  // The transposed keys, then the scores of one block of query rows (the reference uses a row).
  return (size_t)(width + EDGE_ATTENTION_ROWS) * (size_t)edge_attention_keys(length);
}

int edge_attention_head_on(int path, const float *q, const float *k, const float *v, int stride, int length,
                           int width, float scale, float *scratch, float *out) {
  if (path > edge_kernels_best_path()) return -1;
#if defined(__x86_64__) || defined(__i386__)
  if (path >= EDGE_PATH_AVX512_VNNI) {
    edge_attention_head_avx512(q, k, v, stride, length, width, scale, scratch, out);
    return 0;
  }
  if (path >= EDGE_PATH_AVX2 && width % 8 == 0) {
    edge_attention_head_avx2(q, k, v, stride, length, width, scale, scratch, out);
    return 0;
  }
#endif
  edge_attention_head_ref(q, k, v, stride, length, width, scale, scratch, out);
  return 0;
}

void edge_attention_head(const float *q, const float *k, const float *v, int stride, int length,
                         int width, float scale, float *scratch, float *out) {
  edge_attention_head_on(edge_kernels_path(), q, k, v, stride, length, width, scale, scratch, out);
}

void edge_add_layer_norm_ref(float *x, const float *r, int rows, int n, const float *gamma,
                             const float *beta, float eps) {
  for (int i = 0; i < rows; i++) {
    float *row = x + (size_t)i * n;
    if (r) {
      const float *residual = r + (size_t)i * n;
      for (int j = 0; j < n; j++) row[j] += residual[j];
    }
    float sum = 0.0f;
    for (int j = 0; j < n; j++) sum += row[j];
    const float mean = sum / (float)n;
    float squares = 0.0f;
    for (int j = 0; j < n; j++) squares += (row[j] - mean) * (row[j] - mean);
    const float inverse = 1.0f / sqrtf(squares / (float)n + eps);
    for (int j = 0; j < n; j++) row[j] = (row[j] - mean) * inverse * gamma[j] + beta[j];
  }
}

int edge_gelu_on(int path, float *x, size_t count) {
  if (path > edge_kernels_best_path()) return -1;
#if defined(__x86_64__) || defined(__i386__)
  if (path >= EDGE_PATH_AVX512_VNNI) {
    edge_gelu_avx512(x, count);
    return 0;
  }
  if (path >= EDGE_PATH_AVX2) {
    edge_gelu_avx2(x, count);
    return 0;
  }
#endif
  edge_gelu_ref(x, count);
  return 0;
}

void edge_gelu(float *x, size_t count) { edge_gelu_on(edge_kernels_path(), x, count); }

void edge_softmax_rows(float *x, int rows, int n) {
#if defined(__x86_64__) || defined(__i386__)
  if (edge_kernels_use_avx2()) {
    edge_softmax_rows_avx2(x, rows, n);
    return;
  }
#endif
  edge_softmax_rows_ref(x, rows, n);
}

void edge_add_layer_norm(float *x, const float *r, int rows, int n, const float *gamma,
                         const float *beta, float eps) {
#if defined(__x86_64__) || defined(__i386__)
  if (edge_kernels_use_avx2()) {
    edge_add_layer_norm_avx2(x, r, rows, n, gamma, beta, eps);
    return;
  }
#endif
  edge_add_layer_norm_ref(x, r, rows, n, gamma, beta, eps);
}
