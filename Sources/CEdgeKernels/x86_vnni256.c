// The W8A8 GEMM on 256-bit VNNI (`vpdpbusd` on ymm registers), for CPUs with AVX-VNNI and no
// AVX-512 (Intel Alder Lake and later client cores, Sierra Forest). The kernel is written once
// (EDGE_DEFINE_VNNI256_GEMM) and compiled twice: with the VEX instruction AVX-VNNI defines, which
// those CPUs run, and with its EVEX twin from AVX512-VNNI + VL, which every AVX512-VNNI CPU runs.
// The second exists so that the kernel's logic is tested bit for bit on the machines this project
// is developed on (none has AVX-VNNI); the two differ only in the instruction's encoding.
// Called only after dispatch.c has checked the CPU.
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <string.h>

#include "edge_kernels.h"
#include "x86_avx2_lanes.h"
#include "x86_vnni256.h"

// Four rows × one 16-column panel (two registers each): eight accumulators, so the loop fits the
// 16 ymm registers these CPUs have. Per quad of k: the panel's two 256-bit halves made unsigned
// (w + 128) once for the tile, and per row one broadcast of four activations and two vpdpbusd.
// Σ (w + 128)·a = Σ w·a + 128·Σ a, so each row's block sum of activations (once per tile) is taken
// back per block; all of it exact in int32, then the reference's float steps, the zero points'
// share in float as in x86_avx512.c (and for exact integer sums in int32, with vpdpwssd):
// bit-identical.
#define EDGE_VNNI256_ROWS 4

#define EDGE_DEFINE_VNNI256_GEMM(NAME, TARGET, DPBUSD, DPWSSD)                                                       \
  TARGET __attribute__((always_inline)) static inline void NAME##_tile(                                              \
      const int8_t *const a[EDGE_VNNI256_ROWS], const float *const s[EDGE_VNNI256_ROWS],                             \
      const int32_t *offsets, const float *zero_scales, const int rows, const int8_t *panel,                         \
      const float *panel_scales, const float *panel_terms, const int32_t *panel_sums, int nb,                        \
      __m256 f[2 * EDGE_VNNI256_ROWS], __m256i t[2 * EDGE_VNNI256_ROWS], int scaled) {                               \
    const __m256i flip = _mm256_set1_epi8((char)0x80);                                                               \
    for (int b = 0; b < nb; b++) {                                                                                    \
      __m256i acc[2 * EDGE_VNNI256_ROWS];                                                                             \
      for (int r = 0; r < 2 * rows; r++) acc[r] = _mm256_setzero_si256();                                            \
      const int8_t *w = panel + (size_t)b * EDGE_BLOCK * EDGE_PANEL;                                                 \
      for (int quad = 0; quad < EDGE_BLOCK / 4; quad++) {                                                             \
        const __m256i w0 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(w + quad * 64)), flip);             \
        const __m256i w1 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(w + quad * 64 + 32)), flip);        \
        for (int r = 0; r < rows; r++) {                                                                              \
          int32_t bits;                                                                                               \
          memcpy(&bits, a[r] + (size_t)b * EDGE_BLOCK + 4 * quad, 4);                                                 \
          const __m256i x = _mm256_set1_epi32(bits);                                                                  \
          acc[2 * r] = DPBUSD(acc[2 * r], w0, x);                                                                     \
          acc[2 * r + 1] = DPBUSD(acc[2 * r + 1], w1, x);                                                             \
        }                                                                                                             \
      }                                                                                                               \
      if (scaled) {                                                                                                   \
        const __m256 ws0 = _mm256_loadu_ps(panel_scales + (size_t)b * EDGE_PANEL);                                   \
        const __m256 ws1 = _mm256_loadu_ps(panel_scales + (size_t)b * EDGE_PANEL + 8);                               \
        const __m256 terms0 = _mm256_loadu_ps(panel_terms + (size_t)b * EDGE_PANEL);                                 \
        const __m256 terms1 = _mm256_loadu_ps(panel_terms + (size_t)b * EDGE_PANEL + 8);                             \
        for (int r = 0; r < rows; r++) {                                                                              \
          const __m256i offset = _mm256_set1_epi32(offsets[r * nb + b]);                                              \
          const __m256 v = _mm256_set1_ps(s[r][b]), zs = _mm256_set1_ps(zero_scales[r * nb + b]);                     \
          const __m256i s0 = _mm256_sub_epi32(acc[2 * r], offset), s1 = _mm256_sub_epi32(acc[2 * r + 1], offset);   \
          f[2 * r] = _mm256_fmadd_ps(zs, terms0, _mm256_fmadd_ps(_mm256_cvtepi32_ps(s0), _mm256_mul_ps(v, ws0), f[2 * r])); \
          f[2 * r + 1] =                                                                                              \
              _mm256_fmadd_ps(zs, terms1, _mm256_fmadd_ps(_mm256_cvtepi32_ps(s1), _mm256_mul_ps(v, ws1), f[2 * r + 1])); \
        }                                                                                                             \
      } else {                                                                                                        \
        const __m256i sums0 = _mm256_loadu_si256((const __m256i *)(panel_sums + (size_t)b * EDGE_PANEL));           \
        const __m256i sums1 = _mm256_loadu_si256((const __m256i *)(panel_sums + (size_t)b * EDGE_PANEL + 8));       \
        for (int r = 0; r < rows; r++) {                                                                              \
          const __m256i correction = _mm256_set1_epi32(offsets[r * nb + b]);                                          \
          t[2 * r] = _mm256_add_epi32(t[2 * r], DPWSSD(acc[2 * r], sums0, correction));                               \
          t[2 * r + 1] = _mm256_add_epi32(t[2 * r + 1], DPWSSD(acc[2 * r + 1], sums1, correction));                   \
        }                                                                                                             \
      }                                                                                                               \
    }                                                                                                                 \
  }                                                                                                                   \
                                                                                                                      \
  TARGET void NAME(const int8_t *qa, const float *ascales, const int8_t *azeros, int m, int k, const int8_t *packed,  \
                   const float *wscales, const float *wterms, const int32_t *wsums, const float *bias, int n,          \
                   int n_begin, int n_end, float *c, int32_t *ci) {                                                   \
    const int kp = edge_padded_k(k), nb = kp / EDGE_BLOCK;                                                           \
    const int end = n_end < n ? n_end : n;                                                                            \
    for (int chunk = n_begin; chunk < end; chunk += EDGE_VNNI256_CHUNK) {                                             \
      const int chunk_end = chunk + EDGE_VNNI256_CHUNK < end ? chunk + EDGE_VNNI256_CHUNK : end;                      \
      for (int i = 0; i < m; i += EDGE_VNNI256_ROWS) {                                                                \
        const int rows = m - i < EDGE_VNNI256_ROWS ? m - i : EDGE_VNNI256_ROWS;                                      \
        const int8_t *a[EDGE_VNNI256_ROWS];                                                                           \
        const float *s[EDGE_VNNI256_ROWS];                                                                            \
        for (int r = 0; r < EDGE_VNNI256_ROWS; r++) {                                                                 \
          a[r] = qa + (size_t)(i + (r < rows ? r : 0)) * kp;                                                          \
          s[r] = c ? ascales + (size_t)(i + (r < rows ? r : 0)) * nb : 0;                                             \
        }                                                                                                             \
        int32_t offsets[EDGE_VNNI256_ROWS * nb + 1]; /* + 1: never zero-length (k = 0) */                             \
        float zero_scales[EDGE_VNNI256_ROWS * nb + 1];                                                                \
        edge_tile_block_terms(qa, ascales, azeros, i, rows, kp, nb, c != 0, offsets, zero_scales);                    \
        for (int n0 = chunk; n0 < chunk_end; n0 += EDGE_PANEL) {                                                      \
          const int8_t *panel = packed + (size_t)(n0 / EDGE_PANEL) * EDGE_PANEL * kp;                                 \
          const int valid = n - n0 < EDGE_PANEL ? n - n0 : EDGE_PANEL;                                                \
          const float *panel_scales = c ? wscales + (size_t)(n0 / EDGE_PANEL) * nb * EDGE_PANEL : 0;                  \
          const float *panel_terms = c ? wterms + (size_t)(n0 / EDGE_PANEL) * nb * EDGE_PANEL : 0;                    \
          const int32_t *panel_sums = c ? 0 : wsums + (size_t)(n0 / EDGE_PANEL) * nb * EDGE_PANEL;                    \
          __m256 f[2 * EDGE_VNNI256_ROWS];                                                                            \
          __m256i t[2 * EDGE_VNNI256_ROWS];                                                                           \
          for (int r = 0; r < 2 * EDGE_VNNI256_ROWS; r++) {                                                           \
            f[r] = _mm256_setzero_ps();                                                                               \
            t[r] = _mm256_setzero_si256();                                                                            \
          }                                                                                                           \
          switch (rows) {                                                                                             \
          case 4: NAME##_tile(a, s, offsets, zero_scales, 4, panel, panel_scales, panel_terms, panel_sums, nb, f, t, c != 0); break;                        \
          case 3: NAME##_tile(a, s, offsets, zero_scales, 3, panel, panel_scales, panel_terms, panel_sums, nb, f, t, c != 0); break;                        \
          case 2: NAME##_tile(a, s, offsets, zero_scales, 2, panel, panel_scales, panel_terms, panel_sums, nb, f, t, c != 0); break;                        \
          default: NAME##_tile(a, s, offsets, zero_scales, 1, panel, panel_scales, panel_terms, panel_sums, nb, f, t, c != 0); break;                       \
          }                                                                                                           \
          for (int r = 0; r < rows; r++) {                                                                            \
            if (c) {                                                                                                  \
              edge_store_panel_row(c + (size_t)(i + r) * n + n0, f[2 * r], f[2 * r + 1], bias ? bias + n0 : 0, valid); \
            } else {                                                                                                  \
              int32_t out[EDGE_PANEL];                                                                                \
              _mm256_storeu_si256((__m256i *)out, t[2 * r]);                                                          \
              _mm256_storeu_si256((__m256i *)(out + 8), t[2 * r + 1]);                                                \
              memcpy(ci + (size_t)(i + r) * n + n0, out, sizeof(int32_t) * (size_t)valid);                            \
            }                                                                                                         \
          }                                                                                                           \
        }                                                                                                             \
      }                                                                                                               \
    }                                                                                                                 \
  }

/// Columns per chunk: a tile of activations (in L1) meets every panel of the chunk (in L2).
#define EDGE_VNNI256_CHUNK 256

EDGE_DEFINE_VNNI256_GEMM(edge_gemm_avxvnni, __attribute__((target("avx2,fma,avxvnni"))), _mm256_dpbusd_avx_epi32,
                         _mm256_dpwssd_avx_epi32)
EDGE_DEFINE_VNNI256_GEMM(edge_gemm_vnni256_evex, __attribute__((target("avx2,fma,avx512f,avx512vl,avx512vnni"))),
                         _mm256_dpbusd_epi32, _mm256_dpwssd_epi32)
#endif
