// AVX512-VNNI versions of the integer kernels. Compiled for every x86-64 target through
// per-function target attributes and only called after dispatch.c has checked the CPU
// (avx512f, avx512bw, avx512vnni).
#if defined(__x86_64__) || defined(__i386__)
#include "x86_avx512.h"

#include <immintrin.h>
#include <string.h>

#include "edge_kernels.h"
#include "x86_avx2_lanes.h"

#define EDGE_AVX512_VNNI __attribute__((target("avx2,avx512f,avx512bw,avx512vnni")))

// The W8A8 micro-kernel on 512-bit registers: up to 8 rows × one 16-column panel. A packed
// panel's quad of k (16 columns × 4 values) is exactly one 512-bit load. vpdpbusd multiplies
// unsigned bytes by signed bytes and adds each group of four products to an int32 lane, with no
// 16-bit intermediate to saturate. The weights are made unsigned once per quad for every row of
// the tile (w XOR 0x80 as an unsigned byte is w + 128), and each row's four activations are the
// signed operand, broadcast from memory inside the instruction: one instruction per row and
// quad. Σ (w + 128)·a = Σ w·a + 128·Σ a, so each row's block sum of activations (once per tile)
// is taken back per block. All of it is exact in int32 (|Σ| ≤ 32 · 255 · 128 per block), so the
// block sums equal the reference's, and so do the float steps: the sum times the rounded scale
// product, then the rounded ascale · zq (once per tile) times the columns' packed zero terms, in
// block order. The result is bit-identical. The zero points' share is one more FMA per row and
// block; on Zen 4 the 512-bit FMAs and vpdpbusd share the pipes this tile saturates, and it cost
// about 8% of the GEMM's rate (in int32, one vpdpwssd, about 10%). For the exact
// integer sums (tests) it is taken in int32 with one vpdpwssd of the row's correction (−z and
// −Σ a) against the packed block sums (Σ w and 128; edge_block_correction).
#define EDGE_TILE_ROWS_512 8

EDGE_AVX512_VNNI __attribute__((always_inline)) static inline void edge_gemm_tile_512(
    const int8_t *const a[EDGE_TILE_ROWS_512], const float *const s[EDGE_TILE_ROWS_512], const int32_t *offsets,
    const float *zero_scales, const int rows, const int8_t *panel, const float *panel_scales, const float *panel_terms,
    const int32_t *panel_sums, int nb, __m512 f[EDGE_TILE_ROWS_512], __m512i t[EDGE_TILE_ROWS_512], int scaled) {
  const __m512i offset = _mm512_set1_epi8((char)0x80);
  for (int b = 0; b < nb; b++) {
    __m512i acc[EDGE_TILE_ROWS_512];
    for (int r = 0; r < EDGE_TILE_ROWS_512; r++) acc[r] = _mm512_setzero_si512();
    const int8_t *w = panel + (size_t)b * EDGE_BLOCK * EDGE_PANEL;
#pragma GCC unroll 8
    for (int quad = 0; quad < EDGE_BLOCK / 4; quad++) {
      const __m512i wu = _mm512_xor_si512(_mm512_loadu_si512((const void *)(w + quad * 64)), offset);
      for (int r = 0; r < rows; r++) {
        int32_t bits;
        memcpy(&bits, a[r] + (size_t)b * EDGE_BLOCK + 4 * quad, 4);
        acc[r] = _mm512_dpbusd_epi32(acc[r], wu, _mm512_set1_epi32(bits));
      }
    }
    if (scaled) {
      const __m512 ws = _mm512_loadu_ps(panel_scales + (size_t)b * EDGE_PANEL);
      const __m512 terms = _mm512_loadu_ps(panel_terms + (size_t)b * EDGE_PANEL);
      for (int r = 0; r < rows; r++) {
        // Σ w·a = Σ (w + 128)·a − 128 · Σ a; then the zero point's share.
        const __m512i sum = _mm512_sub_epi32(acc[r], _mm512_set1_epi32(offsets[r * nb + b]));
        f[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), _mm512_mul_ps(_mm512_set1_ps(s[r][b]), ws), f[r]);
        f[r] = _mm512_fmadd_ps(_mm512_set1_ps(zero_scales[r * nb + b]), terms, f[r]);
      }
    } else {
      const __m512i sums = _mm512_loadu_si512((const void *)(panel_sums + (size_t)b * EDGE_PANEL));
      // Σ (a − z)·w = Σ (w + 128)·a − z · Σ w − 128 · Σ a, the corrections in `offsets`.
      for (int r = 0; r < rows; r++)
        t[r] = _mm512_add_epi32(t[r], _mm512_dpwssd_epi32(acc[r], sums, _mm512_set1_epi32(offsets[r * nb + b])));
    }
  }
}

/// Columns per chunk: a tile of activations (in L1) meets every panel of the chunk (in L2).
#define EDGE_COLUMN_CHUNK_512 256

EDGE_AVX512_VNNI void edge_gemm_avx512vnni(const int8_t *qa, const float *ascales, const int8_t *azeros, int m, int k,
                                           const int8_t *packed, const float *wscales, const float *wterms,
                                           const int32_t *wsums, const float *bias, int n, int n_begin, int n_end,
                                           float *c, int32_t *ci) {
  const int kp = edge_padded_k(k), nb = kp / EDGE_BLOCK;
  const int end = n_end < n ? n_end : n;
  for (int chunk = n_begin; chunk < end; chunk += EDGE_COLUMN_CHUNK_512) {
    const int chunk_end = chunk + EDGE_COLUMN_CHUNK_512 < end ? chunk + EDGE_COLUMN_CHUNK_512 : end;
    for (int i = 0; i < m; i += EDGE_TILE_ROWS_512) {
      const int rows = m - i < EDGE_TILE_ROWS_512 ? m - i : EDGE_TILE_ROWS_512;
      const int8_t *a[EDGE_TILE_ROWS_512];
      const float *s[EDGE_TILE_ROWS_512];
      for (int r = 0; r < EDGE_TILE_ROWS_512; r++) {
        a[r] = qa + (size_t)(i + (r < rows ? r : 0)) * kp;
        s[r] = c ? ascales + (size_t)(i + (r < rows ? r : 0)) * nb : 0;
      }
      int32_t offsets[EDGE_TILE_ROWS_512 * nb + 1];  // + 1: never a zero-length array (k = 0)
      float zero_scales[EDGE_TILE_ROWS_512 * nb + 1];
      edge_tile_block_terms(qa, ascales, azeros, i, rows, kp, nb, c != 0, offsets, zero_scales);
      for (int n0 = chunk; n0 < chunk_end; n0 += EDGE_PANEL) {
        const int8_t *panel = packed + (size_t)(n0 / EDGE_PANEL) * EDGE_PANEL * kp;
        const int valid = n - n0 < EDGE_PANEL ? n - n0 : EDGE_PANEL;
        const __mmask16 keep = (__mmask16)((1u << valid) - 1u);
        const float *panel_scales = c ? wscales + (size_t)(n0 / EDGE_PANEL) * nb * EDGE_PANEL : 0;
        const float *panel_terms = c ? wterms + (size_t)(n0 / EDGE_PANEL) * nb * EDGE_PANEL : 0;
        const int32_t *panel_sums = c ? 0 : wsums + (size_t)(n0 / EDGE_PANEL) * nb * EDGE_PANEL;
        __m512 f[EDGE_TILE_ROWS_512];
        __m512i t[EDGE_TILE_ROWS_512];
        for (int r = 0; r < EDGE_TILE_ROWS_512; r++) {
          f[r] = _mm512_setzero_ps();
          t[r] = _mm512_setzero_si512();
        }
        // A constant row count per call, so each case compiles to a loop without branches.
        switch (rows) {
        case 8: edge_gemm_tile_512(a, s, offsets, zero_scales, 8, panel, panel_scales, panel_terms, panel_sums, nb, f, t, c != 0); break;
        case 7: edge_gemm_tile_512(a, s, offsets, zero_scales, 7, panel, panel_scales, panel_terms, panel_sums, nb, f, t, c != 0); break;
        case 6: edge_gemm_tile_512(a, s, offsets, zero_scales, 6, panel, panel_scales, panel_terms, panel_sums, nb, f, t, c != 0); break;
        case 5: edge_gemm_tile_512(a, s, offsets, zero_scales, 5, panel, panel_scales, panel_terms, panel_sums, nb, f, t, c != 0); break;
        case 4: edge_gemm_tile_512(a, s, offsets, zero_scales, 4, panel, panel_scales, panel_terms, panel_sums, nb, f, t, c != 0); break;
        case 3: edge_gemm_tile_512(a, s, offsets, zero_scales, 3, panel, panel_scales, panel_terms, panel_sums, nb, f, t, c != 0); break;
        case 2: edge_gemm_tile_512(a, s, offsets, zero_scales, 2, panel, panel_scales, panel_terms, panel_sums, nb, f, t, c != 0); break;
        default: edge_gemm_tile_512(a, s, offsets, zero_scales, 1, panel, panel_scales, panel_terms, panel_sums, nb, f, t, c != 0); break;
        }
        if (c) {
          const __m512 z = bias ? _mm512_maskz_loadu_ps(keep, bias + n0) : _mm512_setzero_ps();
          for (int r = 0; r < rows; r++) _mm512_mask_storeu_ps(c + (size_t)(i + r) * n + n0, keep, _mm512_add_ps(f[r], z));
        } else {
          for (int r = 0; r < rows; r++) _mm512_mask_storeu_epi32(ci + (size_t)(i + r) * n + n0, keep, t[r]);
        }
      }
    }
  }
}
// The fp32 GEMM on packed panels: up to 8 rows × 2 panels (32 columns) in 16 accumulators; per
// k, two loads of weights and each row's a[k] broadcast inside its two FMAs. Each lane is one
// output's chain of FMAs in k order, as in the reference.
#define EDGE_SGEMM_ROWS_512 8
#define EDGE_AVX512F __attribute__((target("avx2,fma,avx512f")))

EDGE_AVX512F __attribute__((always_inline)) static inline void edge_sgemm_tile_512(
    const float *a, int k, const int rows, const float *panel, const int panels, __m512 acc[EDGE_SGEMM_ROWS_512][2]) {
  for (int r = 0; r < rows; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  const float *second = panel + (size_t)EDGE_PANEL * k;
  for (int kk = 0; kk < k; kk++) {
    const __m512 w0 = _mm512_loadu_ps(panel + (size_t)kk * EDGE_PANEL);
    const __m512 w1 = panels == 2 ? _mm512_loadu_ps(second + (size_t)kk * EDGE_PANEL) : w0;
    for (int r = 0; r < rows; r++) {
      const __m512 x = _mm512_set1_ps(a[(size_t)r * k + kk]);
      acc[r][0] = _mm512_fmadd_ps(x, w0, acc[r][0]);
      if (panels == 2) acc[r][1] = _mm512_fmadd_ps(x, w1, acc[r][1]);
    }
  }
}

EDGE_AVX512F void edge_sgemm_avx512(const float *a, int m, int k, const float *packed, const float *bias, int n,
                                    int n_begin, int n_end, float *c) {
  const int end = n_end < n ? n_end : n;
  for (int chunk = n_begin; chunk < end; chunk += EDGE_COLUMN_CHUNK_512) {
    const int chunk_end = chunk + EDGE_COLUMN_CHUNK_512 < end ? chunk + EDGE_COLUMN_CHUNK_512 : end;
    for (int i = 0; i < m; i += EDGE_SGEMM_ROWS_512) {
      const int rows = m - i < EDGE_SGEMM_ROWS_512 ? m - i : EDGE_SGEMM_ROWS_512;
      const float *ai = a + (size_t)i * k;
      for (int n0 = chunk; n0 < chunk_end; n0 += 2 * EDGE_PANEL) {
        const float *panel = packed + (size_t)(n0 / EDGE_PANEL) * EDGE_PANEL * k;
        const int panels = chunk_end - n0 > EDGE_PANEL ? 2 : 1;
        __m512 acc[EDGE_SGEMM_ROWS_512][2];
        // Constant row and panel counts per call, so each case compiles to a loop without branches.
#define EDGE_TILE(R) \
  (panels == 2 ? edge_sgemm_tile_512(ai, k, R, panel, 2, acc) : edge_sgemm_tile_512(ai, k, R, panel, 1, acc))
        switch (rows) {
        case 8: EDGE_TILE(8); break;
        case 7: EDGE_TILE(7); break;
        case 6: EDGE_TILE(6); break;
        case 5: EDGE_TILE(5); break;
        case 4: EDGE_TILE(4); break;
        case 3: EDGE_TILE(3); break;
        case 2: EDGE_TILE(2); break;
        default: EDGE_TILE(1); break;
        }
#undef EDGE_TILE
        for (int t = 0; t < panels; t++) {
          const int column = n0 + t * EDGE_PANEL;
          const int valid = n - column < EDGE_PANEL ? n - column : EDGE_PANEL;
          const __mmask16 keep = (__mmask16)((1u << valid) - 1u);
          const __m512 z = bias ? _mm512_maskz_loadu_ps(keep, bias + column) : _mm512_setzero_ps();
          for (int r = 0; r < rows; r++) _mm512_mask_storeu_ps(c + (size_t)(i + r) * n + column, keep, _mm512_add_ps(acc[r][t], z));
        }
      }
    }
  }
}
#endif
