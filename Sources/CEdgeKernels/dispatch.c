// Picks, at run time, the best kernels the CPU has: AMX-INT8 tiles, AVX512-VNNI or 256-bit VNNI
// for the integer GEMM, AVX-512 for the fp32 GEMM and attention, AVX2+FMA for the rest, the
// scalar references otherwise, so the package builds and runs on any x86-64 (and arm64) without
// unsafe compiler flags. The path can be capped (tests, comparisons).
#include "edge_kernels.h"
#include "x86_avx2.h"
#include "x86_amx.h"
#include "x86_avx512.h"
#include "x86_vnni256.h"
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

/// AVX-VNNI (the VEX `vpdpbusd`): CPUID leaf 7, subleaf 1, EAX bit 4.
static int edge_cpu_has_avx_vnni(void) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid_count(7, 1, &a, &b, &c, &d)) return 0;
  return (a >> 4) & 1;
}

/// AVX-512 F and BW: what the AMX program's float steps (and so its emulation) need.
static int edge_cpu_has_avx512_fbw(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
}

/// 1 when the 256-bit VNNI kernel runs in its VEX form (AVX-VNNI), 0 for its EVEX form.
static int edge_vnni256_uses_vex(void) {
  static int known = -1;
  int value = __atomic_load_n(&known, __ATOMIC_RELAXED);
  if (value < 0) {
    value = edge_cpu_has_avx_vnni();
    __atomic_store_n(&known, value, __ATOMIC_RELAXED);
  }
  return value;
}
#endif

/// The cap on the path (-1: none).
static int edge_path_cap = -1;

int edge_kernels_best_path(void) {
#if defined(__x86_64__) || defined(__i386__)
  static int best = -1;
  int known = __atomic_load_n(&best, __ATOMIC_RELAXED);
  if (known < 0) {
    __builtin_cpu_init();
    known = EDGE_PATH_REFERENCE;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
      known = EDGE_PATH_AVX2;
      // VL with the 512-bit set, so that a CPU on the last path can also run the one before it
      // (the 256-bit VNNI kernel's EVEX form), as the path order promises.
      const int vnni512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
      if (edge_cpu_has_avx_vnni() || vnni512) known = EDGE_PATH_AVX_VNNI;
      if (vnni512) known = EDGE_PATH_AVX512_VNNI;
#if defined(__x86_64__)
      if (vnni512 && edge_amx_supported()) known = EDGE_PATH_AMX_INT8;
#endif
    }
    __atomic_store_n(&best, known, __ATOMIC_RELAXED);
  }
  return known;
#else
  return EDGE_PATH_REFERENCE;
#endif
}

int edge_kernels_path(void) {
  const int best = edge_kernels_best_path();
  const int cap = __atomic_load_n(&edge_path_cap, __ATOMIC_RELAXED);
  return cap >= 0 && cap < best ? cap : best;
}

void edge_kernels_cap_path(int path) { __atomic_store_n(&edge_path_cap, path, __ATOMIC_RELAXED); }

const char *edge_kernels_path_name(int path) {
  switch (path) {
  case EDGE_PATH_AVX2: return "avx2+fma";
#if defined(__x86_64__) || defined(__i386__)
  case EDGE_PATH_AVX_VNNI: return edge_vnni256_uses_vex() ? "avx-vnni" : "avx-vnni (EVEX form)";
#endif
  case EDGE_PATH_AVX512_VNNI: return "avx512-vnni";
  case EDGE_PATH_AMX_INT8: return "amx-int8";
  default: return "scalar reference";
  }
}

void edge_kernels_force_reference(int on) { edge_kernels_cap_path(on ? EDGE_PATH_REFERENCE : -1); }

int edge_kernels_use_avx2(void) { return edge_kernels_path() >= EDGE_PATH_AVX2; }

void edge_quantize_activations(const float *x, int m, int k, int8_t *q, float *scales, int8_t *zeros) {
#if defined(__x86_64__) || defined(__i386__)
  if (edge_kernels_use_avx2()) {
    edge_quantize_activations_avx2(x, m, k, q, scales, zeros);
    return;
  }
#endif
  edge_quantize_activations_ref(x, m, k, q, scales, zeros);
}

void edge_quantize_symmetric(const float *x, int m, int k, int8_t *q, float *scales) {
#if defined(__x86_64__) || defined(__i386__)
  if (edge_kernels_use_avx2()) {
    edge_quantize_symmetric_avx2(x, m, k, q, scales);
    return;
  }
#endif
  edge_quantize_symmetric_ref(x, m, k, q, scales);
}

/// The packed kernels' scalar path: unpack the panel into an int8 row view on the fly.
static int8_t edge_packed_value(const int8_t *packed, int kp, int column, int kk) {
  const int8_t *panel = packed + (size_t)(column / EDGE_PANEL) * EDGE_PANEL * kp;
  return panel[((size_t)(kk / 4) * EDGE_PANEL + column % EDGE_PANEL) * 4 + kk % 4];
}

/// The scalar W8A8 GEMM on the packed layout (the reference takes the stored forms).
static void edge_gemm_w8a8_scalar(const int8_t *qa, const float *ascales, const int8_t *azeros, int m, int k,
                                  const int8_t *packed, const float *packed_wscales, const float *packed_zero_terms,
                                  const float *bias, int n, int n_begin, int n_end, float *c) {
  const int kp = edge_padded_k(k), nb = kp / EDGE_BLOCK;
  for (int i = 0; i < m; i++) {
    for (int j = n_begin; j < n_end && j < n; j++) {
      float acc = 0.0f;
      for (int b = 0; b < nb; b++) {
        int32_t dot = 0;
        for (int t = 0; t < EDGE_BLOCK; t++) {
          const int kk = b * EDGE_BLOCK + t;
          dot += (int32_t)qa[(size_t)i * kp + kk] * edge_packed_value(packed, kp, j, kk);
        }
        const size_t packed_block = ((size_t)(j / EDGE_PANEL) * nb + b) * EDGE_PANEL + j % EDGE_PANEL;
        const float ascale = ascales[(size_t)i * nb + b];
        acc = __builtin_fmaf((float)dot, ascale * packed_wscales[packed_block], acc);
        acc = __builtin_fmaf(ascale * (float)azeros[(size_t)i * nb + b], packed_zero_terms[packed_block], acc);
      }
      c[(size_t)i * n + j] = acc + (bias ? bias[j] : 0.0f);
    }
  }
}

static void edge_gemm_s8_s32_scalar(const int8_t *qa, const int8_t *azeros, int m, int k, const int8_t *packed, int n,
                                    int n_begin, int n_end, int32_t *c) {
  const int kp = edge_padded_k(k), nb = kp / EDGE_BLOCK;
  for (int i = 0; i < m; i++) {
    for (int j = n_begin; j < n_end && j < n; j++) {
      int32_t sum = 0;
      for (int kk = 0; kk < kp; kk++)
        sum += ((int32_t)qa[(size_t)i * kp + kk] - azeros[(size_t)i * nb + kk / EDGE_BLOCK]) * edge_packed_value(packed, kp, j, kk);
      c[(size_t)i * n + j] = sum;
    }
  }
}

int edge_gemm_w8a8_on(int path, const int8_t *qa, const float *ascales, const int8_t *azeros, int m, int k,
                      const int8_t *packed, const float *packed_wscales, const float *packed_zero_terms,
                      const float *bias, int n, int n_begin, int n_end, float *c) {
  if (path > edge_kernels_best_path()) return -1;
  switch (path) {
#if defined(__x86_64__)
  case EDGE_PATH_AMX_INT8:
    if (edge_amx_permitted())
      return edge_gemm_amx(qa, ascales, azeros, m, k, packed, packed_wscales, packed_zero_terms, 0, bias, n, n_begin,
                           n_end, c, 0);
    // Refused by the OS: the AVX-512 kernel, which this CPU has.
    edge_gemm_avx512vnni(qa, ascales, azeros, m, k, packed, packed_wscales, packed_zero_terms, 0, bias, n, n_begin, n_end,
                         c, 0);
    return 0;
#endif
#if defined(__x86_64__) || defined(__i386__)
  case EDGE_PATH_AVX512_VNNI:
    edge_gemm_avx512vnni(qa, ascales, azeros, m, k, packed, packed_wscales, packed_zero_terms, 0, bias, n, n_begin, n_end,
                         c, 0);
    return 0;
  case EDGE_PATH_AVX_VNNI:
    (edge_vnni256_uses_vex() ? edge_gemm_avxvnni : edge_gemm_vnni256_evex)(
        qa, ascales, azeros, m, k, packed, packed_wscales, packed_zero_terms, 0, bias, n, n_begin, n_end, c, 0);
    return 0;
  case EDGE_PATH_AVX2:
    edge_gemm_avx2(qa, ascales, azeros, m, k, packed, packed_wscales, packed_zero_terms, 0, bias, n, n_begin, n_end, c, 0);
    return 0;
#endif
  case EDGE_PATH_REFERENCE:
    edge_gemm_w8a8_scalar(qa, ascales, azeros, m, k, packed, packed_wscales, packed_zero_terms, bias, n, n_begin, n_end, c);
    return 0;
  default: return -1;
  }
}

int edge_gemm_s8_s32_on(int path, const int8_t *qa, const int8_t *azeros, int m, int k, const int8_t *packed,
                        const int32_t *packed_wsums, int n, int n_begin, int n_end, int32_t *c) {
  if (path > edge_kernels_best_path()) return -1;
  switch (path) {
#if defined(__x86_64__)
  case EDGE_PATH_AMX_INT8:
    if (edge_amx_permitted()) return edge_gemm_amx(qa, 0, azeros, m, k, packed, 0, 0, packed_wsums, 0, n, n_begin, n_end, 0, c);
    edge_gemm_avx512vnni(qa, 0, azeros, m, k, packed, 0, 0, packed_wsums, 0, n, n_begin, n_end, 0, c);
    return 0;
#endif
#if defined(__x86_64__) || defined(__i386__)
  case EDGE_PATH_AVX512_VNNI:
    edge_gemm_avx512vnni(qa, 0, azeros, m, k, packed, 0, 0, packed_wsums, 0, n, n_begin, n_end, 0, c);
    return 0;
  case EDGE_PATH_AVX_VNNI:
    (edge_vnni256_uses_vex() ? edge_gemm_avxvnni : edge_gemm_vnni256_evex)(qa, 0, azeros, m, k, packed, 0, 0,
                                                                          packed_wsums, 0, n, n_begin, n_end, 0, c);
    return 0;
  case EDGE_PATH_AVX2:
    edge_gemm_avx2(qa, 0, azeros, m, k, packed, 0, 0, packed_wsums, 0, n, n_begin, n_end, 0, c);
    return 0;
#endif
  case EDGE_PATH_REFERENCE:
    edge_gemm_s8_s32_scalar(qa, azeros, m, k, packed, n, n_begin, n_end, c);
    return 0;
  default: return -1;
  }
}

int edge_gemm_w8a8_amx_emulated(const int8_t *qa, const float *ascales, const int8_t *azeros, int m, int k,
                                const int8_t *packed, const float *packed_wscales, const float *packed_zero_terms,
                                const float *bias, int n, int n_begin, int n_end, float *c) {
#if defined(__x86_64__)
  if (edge_cpu_has_avx512_fbw())
    return edge_gemm_amx_emulated(qa, ascales, azeros, m, k, packed, packed_wscales, packed_zero_terms, 0, bias, n,
                                  n_begin, n_end, c, 0);
#endif
  return -1;
}

int edge_gemm_s8_s32_amx_emulated(const int8_t *qa, const int8_t *azeros, int m, int k, const int8_t *packed,
                                  const int32_t *packed_wsums, int n, int n_begin, int n_end, int32_t *c) {
#if defined(__x86_64__)
  if (edge_cpu_has_avx512_fbw())
    return edge_gemm_amx_emulated(qa, 0, azeros, m, k, packed, 0, 0, packed_wsums, 0, n, n_begin, n_end, 0, c);
#endif
  return -1;
}

void edge_gemm_w8a8(const int8_t *qa, const float *ascales, const int8_t *azeros, int m, int k, const int8_t *packed,
                    const float *packed_wscales, const float *packed_zero_terms, const float *bias, int n,
                    int n_begin, int n_end, float *c) {
  edge_gemm_w8a8_on(edge_kernels_path(), qa, ascales, azeros, m, k, packed, packed_wscales, packed_zero_terms, bias, n,
                    n_begin, n_end, c);
}

void edge_gemm_s8_s32(const int8_t *qa, const int8_t *azeros, int m, int k, const int8_t *packed,
                      const int32_t *packed_wsums, int n, int n_begin, int n_end, int32_t *c) {
  edge_gemm_s8_s32_on(edge_kernels_path(), qa, azeros, m, k, packed, packed_wsums, n, n_begin, n_end, c);
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

/// The scalar kernel on the packed layout.
static void edge_sgemm_packed_scalar(const float *a, int m, int k, const float *packed, const float *bias, int n,
                                     int n_begin, int n_end, float *c) {
  for (int i = 0; i < m; i++)
    for (int j = n_begin; j < n_end && j < n; j++) {
      const float *panel = packed + (size_t)(j / EDGE_PANEL) * EDGE_PANEL * k;
      float acc = 0.0f;
      for (int kk = 0; kk < k; kk++) acc = __builtin_fmaf(a[(size_t)i * k + kk], panel[(size_t)kk * EDGE_PANEL + j % EDGE_PANEL], acc);
      c[(size_t)i * n + j] = acc + (bias ? bias[j] : 0.0f);
    }
}

int edge_sgemm_packed_on(int path, const float *a, int m, int k, const float *packed, const float *bias, int n,
                         int n_begin, int n_end, float *c) {
  if (path > edge_kernels_best_path()) return -1;
  switch (path) {
#if defined(__x86_64__) || defined(__i386__)
  case EDGE_PATH_AMX_INT8:
  case EDGE_PATH_AVX512_VNNI:
    edge_sgemm_avx512(a, m, k, packed, bias, n, n_begin, n_end, c);
    return 0;
  case EDGE_PATH_AVX_VNNI:
  case EDGE_PATH_AVX2:
    edge_sgemm_avx2(a, m, k, packed, bias, n, n_begin, n_end, c);
    return 0;
#endif
  case EDGE_PATH_REFERENCE:
    edge_sgemm_packed_scalar(a, m, k, packed, bias, n, n_begin, n_end, c);
    return 0;
  default: return -1;
  }
}

void edge_sgemm_packed(const float *a, int m, int k, const float *packed, const float *bias, int n, int n_begin,
                       int n_end, float *c) {
  edge_sgemm_packed_on(edge_kernels_path(), a, m, k, packed, bias, n, n_begin, n_end, c);
}
