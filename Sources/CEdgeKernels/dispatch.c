// Picks the AVX2+FMA kernels when the CPU has them, the scalar references otherwise, so the
// package builds and runs on any x86-64 (and arm64) without unsafe compiler flags.
#include "edge_kernels.h"
#include "x86_avx2.h"

static int edge_force_reference = 0;

void edge_kernels_force_reference(int on) { __atomic_store_n(&edge_force_reference, on, __ATOMIC_RELAXED); }

int edge_kernels_use_avx2(void) {
#if defined(__x86_64__) || defined(__i386__)
  static int supported = -1;
  int known = __atomic_load_n(&supported, __ATOMIC_RELAXED);
  if (known < 0) {
    __builtin_cpu_init();
    known = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    __atomic_store_n(&supported, known, __ATOMIC_RELAXED);
  }
  return known && !__atomic_load_n(&edge_force_reference, __ATOMIC_RELAXED);
#else
  return 0;
#endif
}

void edge_quantize_activations(const float *x, int m, int k, int8_t *q, float *scales) {
#if defined(__x86_64__) || defined(__i386__)
  if (edge_kernels_use_avx2()) {
    edge_quantize_activations_avx2(x, m, k, q, scales);
    return;
  }
#endif
  edge_quantize_activations_ref(x, m, k, q, scales);
}

/// The packed kernels' scalar path: unpack the panel into an int8 row view on the fly.
static int8_t edge_packed_value(const int8_t *packed, int kp, int column, int kk) {
  const int8_t *panel = packed + (size_t)(column / EDGE_PANEL) * EDGE_PANEL * kp;
  return panel[((size_t)(kk / 4) * EDGE_PANEL + column % EDGE_PANEL) * 4 + kk % 4];
}

void edge_gemm_w8a8(const int8_t *qa, const float *ascales, int m, int k, const int8_t *packed,
                    const float *packed_wscales, const float *bias, int n, int n_begin, int n_end,
                    float *c) {
#if defined(__x86_64__) || defined(__i386__)
  if (edge_kernels_use_avx2()) {
    edge_gemm_avx2(qa, ascales, m, k, packed, packed_wscales, bias, n, n_begin, n_end, c, 0);
    return;
  }
#endif
  const int kp = edge_padded_k(k), nb = kp / EDGE_BLOCK;
  for (int i = 0; i < m; i++) {
    for (int j = n_begin; j < n_end && j < n; j++) {
      float acc = 0.0f;
      for (int b = 0; b < nb; b++) {
        int32_t sum = 0;
        for (int t = 0; t < EDGE_BLOCK; t++) {
          const int kk = b * EDGE_BLOCK + t;
          sum += (int32_t)qa[(size_t)i * kp + kk] * edge_packed_value(packed, kp, j, kk);
        }
        const float wscale = packed_wscales[((size_t)(j / EDGE_PANEL) * nb + b) * EDGE_PANEL + j % EDGE_PANEL];
        acc = __builtin_fmaf((float)sum, ascales[(size_t)i * nb + b] * wscale, acc);
      }
      c[(size_t)i * n + j] = acc + (bias ? bias[j] : 0.0f);
    }
  }
}

void edge_gemm_s8_s32(const int8_t *qa, int m, int k, const int8_t *packed, int n, int n_begin,
                      int n_end, int32_t *c) {
#if defined(__x86_64__) || defined(__i386__)
  if (edge_kernels_use_avx2()) {
    edge_gemm_avx2(qa, 0, m, k, packed, 0, 0, n, n_begin, n_end, 0, c);
    return;
  }
#endif
  const int kp = edge_padded_k(k);
  for (int i = 0; i < m; i++) {
    for (int j = n_begin; j < n_end && j < n; j++) {
      int32_t sum = 0;
      for (int kk = 0; kk < kp; kk++) sum += (int32_t)qa[(size_t)i * kp + kk] * edge_packed_value(packed, kp, j, kk);
      c[(size_t)i * n + j] = sum;
    }
  }
}

void edge_gemv_q8(const float *x, int k, const int8_t *q, const float *wscales, const float *bias,
                  int n_begin, int n_end, float *y) {
#if defined(__x86_64__) || defined(__i386__)
  if (edge_kernels_use_avx2()) {
    edge_gemv_q8_avx2(x, k, q, wscales, bias, n_begin, n_end, y);
    return;
  }
#endif
  edge_gemv_q8_ref(x, k, q, wscales, bias, n_begin, n_end, y);
}

void edge_gemv_q4(const float *x, int k, const uint8_t *q, const float *scales, const float *bias,
                  int n_begin, int n_end, float *y) {
#if defined(__x86_64__) || defined(__i386__)
  if (edge_kernels_use_avx2()) {
    edge_gemv_q4_avx2(x, k, q, scales, bias, n_begin, n_end, y);
    return;
  }
#endif
  edge_gemv_q4_ref(x, k, q, scales, bias, n_begin, n_end, y);
}
