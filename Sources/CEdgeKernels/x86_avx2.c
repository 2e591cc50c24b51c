// AVX2+FMA versions of the kernels. Compiled for every x86-64 target through per-function
// target attributes (no whole-target -mavx2, which would crash CPUs without it) and only called
// after dispatch.c has checked the CPU.
#if defined(__x86_64__) || defined(__i386__)
#include "x86_avx2.h"

#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#include "activation_blocks.h"
#include "edge_kernels.h"
#include "x86_avx2_lanes.h"

/// Block b of a row of k values in four registers, the last block zero-padded.
EDGE_AVX2 static inline void edge_load_block(const float *row, int b, int k, __m256 v[4]) {
  const float *src = row + (size_t)b * EDGE_BLOCK;
  float tail[EDGE_BLOCK];
  if ((b + 1) * EDGE_BLOCK > k) {
    memset(tail, 0, sizeof tail);
    memcpy(tail, src, sizeof(float) * (size_t)(k - b * EDGE_BLOCK));
    src = tail;
  }
  for (int t = 0; t < 4; t++) v[t] = _mm256_loadu_ps(src + 8 * t);
}

/// Lane b: the smallest (or largest) of v[b]'s eight lanes. Pairs, then quads within each
/// 128-bit half, then the halves.
#define EDGE_DEFINE_LANE_REDUCTION(NAME, OP)                                                                  \
  EDGE_AVX2 static inline __m256 NAME(const __m256 v[8]) {                                                   \
    __m256 pairs[4];                                                                                          \
    for (int p = 0; p < 4; p++)                                                                               \
      pairs[p] = OP(_mm256_shuffle_ps(v[2 * p], v[2 * p + 1], 0x88), _mm256_shuffle_ps(v[2 * p], v[2 * p + 1], 0xdd)); \
    const __m256 low = OP(_mm256_shuffle_ps(pairs[0], pairs[1], 0x88), _mm256_shuffle_ps(pairs[0], pairs[1], 0xdd)); \
    const __m256 high = OP(_mm256_shuffle_ps(pairs[2], pairs[3], 0x88), _mm256_shuffle_ps(pairs[2], pairs[3], 0xdd)); \
    return OP(_mm256_permute2f128_ps(low, high, 0x20), _mm256_permute2f128_ps(low, high, 0x31));            \
  }
EDGE_DEFINE_LANE_REDUCTION(edge_lane_minima, _mm256_min_ps)
EDGE_DEFINE_LANE_REDUCTION(edge_lane_maxima, _mm256_max_ps)

/// One block's 32 values (four registers) to codes with the block's inverse step and zero point.
/// packs interleaves 128-bit lanes; the permutes restore element order. Saturating to int16 keeps
/// NaN's INT32_MIN (+ zero) below 0, so the clamp maps it to 0 as the reference.
EDGE_AVX2 static inline void edge_store_codes(const __m256 v[4], float inverse, int zero, int8_t *q) {
  const __m256 scale = _mm256_set1_ps(inverse);
  const __m256i offset = _mm256_set1_epi32(zero);
  const __m256i floor = _mm256_setzero_si256(), ceiling = _mm256_set1_epi16(255), centre = _mm256_set1_epi16(128);
  __m256i r[4];
  for (int t = 0; t < 4; t++) r[t] = _mm256_add_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(v[t], scale)), offset);
  __m256i p0 = _mm256_permute4x64_epi64(_mm256_packs_epi32(r[0], r[1]), 0xd8);
  __m256i p1 = _mm256_permute4x64_epi64(_mm256_packs_epi32(r[2], r[3]), 0xd8);
  p0 = _mm256_sub_epi16(_mm256_min_epi16(_mm256_max_epi16(p0, floor), ceiling), centre);
  p1 = _mm256_sub_epi16(_mm256_min_epi16(_mm256_max_epi16(p1, floor), ceiling), centre);
  _mm256_storeu_si256((__m256i *)q, _mm256_permute4x64_epi64(_mm256_packs_epi16(p0, p1), 0xd8));
}

// Same arithmetic as the reference: each block's extremes (NaN ignored: min_ps and max_ps
// return their second operand, the running extreme, when the first is NaN; both start at 0, as
// the reference's), its step and zero point as edge_activation_block_from computes them, codes
// cvtps2dq(x · inverse) + zero clamped to 0…255 then moved to signed. Eight whole blocks at a time
// reduce their extremes together and take their steps and zero points in one vector each (the
// same IEEE operations, lane by lane: vdivps, vroundps in the current rounding mode as nearbyintf,
// the clamp with NaN to 0);
// the rest, and the zero-padded last block, one at a time through the shared scalar function.
EDGE_AVX2 void edge_quantize_activations_avx2(const float *x, int m, int k, int8_t *q, float *scales, int8_t *zeros) {
  const int kp = edge_padded_k(k), nb = kp / EDGE_BLOCK, whole = k / EDGE_BLOCK;
  const __m256 zero = _mm256_setzero_ps(), top = _mm256_set1_ps(255.0f), sign = _mm256_set1_ps(-0.0f);
  const __m256 infinity = _mm256_set1_ps(INFINITY);
  for (int i = 0; i < m; i++) {
    const float *row = x + (size_t)i * k;
    int8_t *codes = q + (size_t)i * kp;
    float *row_scales = scales + (size_t)i * nb;
    int8_t *row_zeros = zeros + (size_t)i * nb;
    int b = 0;
    for (; b + 8 <= whole; b += 8) {
      __m256 lo[8], hi[8];
      for (int j = 0; j < 8; j++) {
        lo[j] = hi[j] = zero;
        for (int t = 0; t < 4; t++) {
          const __m256 v = _mm256_loadu_ps(row + (size_t)(b + j) * EDGE_BLOCK + 8 * t);
          lo[j] = _mm256_min_ps(v, lo[j]);
          hi[j] = _mm256_max_ps(v, hi[j]);
        }
      }
      const __m256 lows = edge_lane_minima(lo), range = _mm256_sub_ps(edge_lane_maxima(hi), lows);
      const __m256 quotient = _mm256_div_ps(top, range);
      const __m256 usable = _mm256_and_ps(_mm256_cmp_ps(range, zero, _CMP_GT_OQ), _mm256_cmp_ps(quotient, infinity, _CMP_LT_OQ));
      const __m256 inverse = _mm256_and_ps(usable, quotient);
      _mm256_storeu_ps(row_scales + b, _mm256_div_ps(range, top));
      const __m256 rounded = _mm256_round_ps(_mm256_mul_ps(_mm256_xor_ps(lows, sign), inverse), _MM_FROUND_CUR_DIRECTION);
      int32_t points[8];
      float inverses[8];
      _mm256_storeu_si256((__m256i *)points, _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(rounded, zero), top)));
      _mm256_storeu_ps(inverses, inverse);
      for (int j = 0; j < 8; j++) {
        __m256 v[4];
        for (int t = 0; t < 4; t++) v[t] = _mm256_loadu_ps(row + (size_t)(b + j) * EDGE_BLOCK + 8 * t);
        row_zeros[b + j] = (int8_t)(points[j] - 128);
        edge_store_codes(v, inverses[j], points[j], codes + (size_t)(b + j) * EDGE_BLOCK);
      }
    }
    for (; b < nb; b++) {
      __m256 v[4];
      edge_load_block(row, b, k, v);
      __m256 lo = zero, hi = zero;
      for (int t = 0; t < 4; t++) {
        lo = _mm256_min_ps(v[t], lo);
        hi = _mm256_max_ps(v[t], hi);
      }
      const edge_activation_block block = edge_activation_block_from(edge_hmin(lo), edge_hmax(hi));
      row_scales[b] = block.scale;
      row_zeros[b] = (int8_t)(block.zero - 128);
      edge_store_codes(v, block.inverse, block.zero, codes + (size_t)b * EDGE_BLOCK);
    }
  }
}

// Same arithmetic as the reference: max|x| per block (NaN ignored: max_ps returns its second
// operand when the first is NaN), scale = amax / 127, q = cvtps2dq(x * (127 / amax)) clamped to
// ±127, so the results are identical.
EDGE_AVX2 void edge_quantize_symmetric_avx2(const float *x, int m, int k, int8_t *q, float *scales) {
  const int kp = edge_padded_k(k), nb = kp / EDGE_BLOCK;
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256i lo = _mm256_set1_epi16(-127), hi = _mm256_set1_epi16(127);
  for (int i = 0; i < m; i++) {
    const float *row = x + (size_t)i * k;
    for (int b = 0; b < nb; b++) {
      __m256 v[4];
      edge_load_block(row, b, k, v);
      __m256 amax = _mm256_setzero_ps();
      for (int t = 0; t < 4; t++) amax = _mm256_max_ps(_mm256_and_ps(v[t], abs_mask), amax);
      const float maximum = edge_hmax(amax);
      const float inverse = maximum > 0.0f ? 127.0f / maximum : 0.0f;
      scales[(size_t)i * nb + b] = maximum / 127.0f;
      const __m256 scale = _mm256_set1_ps(inverse);
      __m256i r[4];
      for (int t = 0; t < 4; t++) r[t] = _mm256_cvtps_epi32(_mm256_mul_ps(v[t], scale));
      // packs interleaves 128-bit lanes; the permutes restore element order. Saturating to
      // int16 then clamping to ±127 maps NaN and overflow (INT32_MIN) to -127, as the reference.
      __m256i p0 = _mm256_permute4x64_epi64(_mm256_packs_epi32(r[0], r[1]), 0xd8);
      __m256i p1 = _mm256_permute4x64_epi64(_mm256_packs_epi32(r[2], r[3]), 0xd8);
      p0 = _mm256_min_epi16(_mm256_max_epi16(p0, lo), hi);
      p1 = _mm256_min_epi16(_mm256_max_epi16(p1, lo), hi);
      const __m256i bytes = _mm256_permute4x64_epi64(_mm256_packs_epi16(p0, p1), 0xd8);
      _mm256_storeu_si256((__m256i *)(q + (size_t)i * kp + (size_t)b * EDGE_BLOCK), bytes);
    }
  }
}

// The W8A8 micro-kernel: up to 4 rows × 16 columns. Per quad of k: two 256-bit loads of the
// packed panel (8 columns × 4 k each) and, per row, four activations broadcast; vpsignb moves
// their signs onto the weights, vpmaddubsw multiplies |a| by them (32 products, pair sums exact
// in int16 since |a| <= 128, |w| <= 127) and vpmaddwd with ones widens to 8 int32 column sums. At each
// block's end the int32 sums become floats and meet the product of the row's and the columns'
// block scales in one FMA, and the zero point's share in another (the row's ascale · zq times the
// columns' packed −wscale · Σ w), as the reference does; for exact integer sums the zero point
// times the block sums is taken back in int32 instead (vpmaddwd: both fit int16). Four rows
// share each weight load; the eight float sums live in memory between blocks (measured faster
// than three rows with every sum in a register).
#define EDGE_TILE_ROWS 4
#define EDGE_COLUMN_CHUNK 256

EDGE_AVX2 __attribute__((always_inline)) static inline void edge_gemm_tile(const int8_t *const a[EDGE_TILE_ROWS], const float *const s[EDGE_TILE_ROWS],
                                            const int8_t *const z[EDGE_TILE_ROWS], const int rows, const int8_t *panel,
                                            const float *panel_scales, const float *panel_terms,
                                            const int32_t *panel_sums, int nb, __m256 f[2 * EDGE_TILE_ROWS],
                                            __m256i t[2 * EDGE_TILE_ROWS], int scaled) {
  const __m256i ones = _mm256_set1_epi16(1);
  for (int b = 0; b < nb; b++) {
    __m256i acc[2 * EDGE_TILE_ROWS];
    for (int r = 0; r < 2 * EDGE_TILE_ROWS; r++) acc[r] = _mm256_setzero_si256();
    const int8_t *w = panel + (size_t)b * EDGE_BLOCK * EDGE_PANEL;
#pragma GCC unroll 8
    for (int quad = 0; quad < EDGE_BLOCK / 4; quad++) {
      const __m256i w0 = _mm256_loadu_si256((const __m256i *)(w + quad * 64));
      const __m256i w1 = _mm256_loadu_si256((const __m256i *)(w + quad * 64 + 32));
      for (int r = 0; r < rows; r++) {
        int32_t bits;
        memcpy(&bits, a[r] + (size_t)b * EDGE_BLOCK + 4 * quad, 4);
        const __m256i broadcast = _mm256_set1_epi32(bits);
        const __m256i magnitude = _mm256_abs_epi8(broadcast);
        acc[2 * r] = _mm256_add_epi32(
            acc[2 * r], _mm256_madd_epi16(_mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(w0, broadcast)), ones));
        acc[2 * r + 1] = _mm256_add_epi32(
            acc[2 * r + 1], _mm256_madd_epi16(_mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(w1, broadcast)), ones));
      }
    }
    if (scaled) {
      const __m256 ws0 = _mm256_loadu_ps(panel_scales + (size_t)b * EDGE_PANEL);
      const __m256 ws1 = _mm256_loadu_ps(panel_scales + (size_t)b * EDGE_PANEL + 8);
      const __m256 terms0 = _mm256_loadu_ps(panel_terms + (size_t)b * EDGE_PANEL);
      const __m256 terms1 = _mm256_loadu_ps(panel_terms + (size_t)b * EDGE_PANEL + 8);
      for (int r = 0; r < rows; r++) {
        const __m256 v = _mm256_set1_ps(s[r][b]), zs = _mm256_set1_ps(s[r][b] * (float)z[r][b]);
        f[2 * r] = _mm256_fmadd_ps(zs, terms0, _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[2 * r]), _mm256_mul_ps(v, ws0), f[2 * r]));
        f[2 * r + 1] =
            _mm256_fmadd_ps(zs, terms1, _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[2 * r + 1]), _mm256_mul_ps(v, ws1), f[2 * r + 1]));
      }
    } else {
      const __m256i sums0 = _mm256_loadu_si256((const __m256i *)(panel_sums + (size_t)b * EDGE_PANEL));
      const __m256i sums1 = _mm256_loadu_si256((const __m256i *)(panel_sums + (size_t)b * EDGE_PANEL + 8));
      for (int r = 0; r < rows; r++) {
        // Σ (a − z)·w = Σ a·w − z · Σ w; the zero point in each lane's low int16, 0 above it.
        const __m256i zero = _mm256_set1_epi32((int32_t)(uint16_t)z[r][b]);
        t[2 * r] = _mm256_add_epi32(t[2 * r], _mm256_sub_epi32(acc[2 * r], _mm256_madd_epi16(zero, sums0)));
        t[2 * r + 1] = _mm256_add_epi32(t[2 * r + 1], _mm256_sub_epi32(acc[2 * r + 1], _mm256_madd_epi16(zero, sums1)));
      }
    }
  }
}

EDGE_AVX2 void edge_gemm_avx2(const int8_t *qa, const float *ascales, const int8_t *azeros, int m, int k,
                              const int8_t *packed, const float *wscales, const float *wterms, const int32_t *wsums,
                              const float *bias, int n, int n_begin, int n_end, float *c, int32_t *ci) {
  const int kp = edge_padded_k(k), nb = kp / EDGE_BLOCK;
  const int end = n_end < n ? n_end : n;
  // Columns in chunks of EDGE_COLUMN_CHUNK: within a chunk, each 4-row tile of activations
  // (in L1) meets every panel of the chunk (in L2) and writes contiguous row segments. Panel by
  // panel over all rows, 460 rows × 1536 columns ran at 0.6× the rate of 128 rows: every panel
  // wrote 16 floats into each of 460 rows 6 KB apart.
  for (int chunk = n_begin; chunk < end; chunk += EDGE_COLUMN_CHUNK) {
    const int chunk_end = chunk + EDGE_COLUMN_CHUNK < end ? chunk + EDGE_COLUMN_CHUNK : end;
    for (int i = 0; i < m; i += EDGE_TILE_ROWS) {
      const int rows = m - i < EDGE_TILE_ROWS ? m - i : EDGE_TILE_ROWS;
      const int8_t *a[EDGE_TILE_ROWS];
      const float *s[EDGE_TILE_ROWS];
      const int8_t *z[EDGE_TILE_ROWS];
      for (int r = 0; r < EDGE_TILE_ROWS; r++) {
        a[r] = qa + (size_t)(i + (r < rows ? r : 0)) * kp;
        s[r] = c ? ascales + (size_t)(i + (r < rows ? r : 0)) * nb : 0;
        z[r] = azeros + (size_t)(i + (r < rows ? r : 0)) * nb;
      }
      for (int n0 = chunk; n0 < chunk_end; n0 += EDGE_PANEL) {
        const int8_t *panel = packed + (size_t)(n0 / EDGE_PANEL) * EDGE_PANEL * kp;
        const int valid = n - n0 < EDGE_PANEL ? n - n0 : EDGE_PANEL;
        const float *panel_scales = c ? wscales + (size_t)(n0 / EDGE_PANEL) * nb * EDGE_PANEL : 0;
        const float *panel_terms = c ? wterms + (size_t)(n0 / EDGE_PANEL) * nb * EDGE_PANEL : 0;
        const int32_t *panel_sums = c ? 0 : wsums + (size_t)(n0 / EDGE_PANEL) * nb * EDGE_PANEL;
        __m256 f[2 * EDGE_TILE_ROWS];
        __m256i t[2 * EDGE_TILE_ROWS];
        for (int r = 0; r < 2 * EDGE_TILE_ROWS; r++) {
          f[r] = _mm256_setzero_ps();
          t[r] = _mm256_setzero_si256();
        }
        // A constant row count per call, so each case compiles to a loop without branches.
        switch (rows) {
        case 4: edge_gemm_tile(a, s, z, 4, panel, panel_scales, panel_terms, panel_sums, nb, f, t, c != 0); break;
        case 3: edge_gemm_tile(a, s, z, 3, panel, panel_scales, panel_terms, panel_sums, nb, f, t, c != 0); break;
        case 2: edge_gemm_tile(a, s, z, 2, panel, panel_scales, panel_terms, panel_sums, nb, f, t, c != 0); break;
        default: edge_gemm_tile(a, s, z, 1, panel, panel_scales, panel_terms, panel_sums, nb, f, t, c != 0); break;
        }
        if (c) {
          for (int r = 0; r < rows; r++)
            edge_store_panel_row(c + (size_t)(i + r) * n + n0, f[2 * r], f[2 * r + 1], bias ? bias + n0 : 0, valid);
        } else {
          int32_t out[EDGE_PANEL];
          for (int r = 0; r < rows; r++) {
            _mm256_storeu_si256((__m256i *)out, t[2 * r]);
            _mm256_storeu_si256((__m256i *)(out + 8), t[2 * r + 1]);
            memcpy(ci + (size_t)(i + r) * n + n0, out, sizeof(int32_t) * (size_t)valid);
          }
        }
      }
    }
  }
}

// The fp32 GEMM on packed panels: up to 4 rows × one panel (16 columns, two registers) in 8
// accumulators; per k, two loads of weights and each row's a[k] broadcast against both. Each
// lane is one output's chain of FMAs in k order, as in the reference. (Six rows need all 16
// registers and more: the compiler kept an accumulator in memory, and ran at 0.4× the FMA peak.)
#define EDGE_SGEMM_ROWS 4

EDGE_AVX2 __attribute__((always_inline)) static inline void edge_sgemm_tile(const float *a, int k, const int rows,
                                                                            const float *panel, __m256 acc[EDGE_SGEMM_ROWS][2]) {
  for (int r = 0; r < rows; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  for (int kk = 0; kk < k; kk++) {
    const __m256 w0 = _mm256_loadu_ps(panel + (size_t)kk * EDGE_PANEL), w1 = _mm256_loadu_ps(panel + (size_t)kk * EDGE_PANEL + 8);
    for (int r = 0; r < rows; r++) {
      const __m256 x = _mm256_broadcast_ss(a + (size_t)r * k + kk);
      acc[r][0] = _mm256_fmadd_ps(x, w0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(x, w1, acc[r][1]);
    }
  }
}

EDGE_AVX2 void edge_sgemm_avx2(const float *a, int m, int k, const float *packed, const float *bias, int n, int n_begin,
                               int n_end, float *c) {
  const int end = n_end < n ? n_end : n;
  for (int chunk = n_begin; chunk < end; chunk += EDGE_COLUMN_CHUNK) {
    const int chunk_end = chunk + EDGE_COLUMN_CHUNK < end ? chunk + EDGE_COLUMN_CHUNK : end;
    for (int i = 0; i < m; i += EDGE_SGEMM_ROWS) {
      const int rows = m - i < EDGE_SGEMM_ROWS ? m - i : EDGE_SGEMM_ROWS;
      const float *ai = a + (size_t)i * k;
      for (int n0 = chunk; n0 < chunk_end; n0 += EDGE_PANEL) {
        const float *panel = packed + (size_t)(n0 / EDGE_PANEL) * EDGE_PANEL * k;
        __m256 acc[EDGE_SGEMM_ROWS][2];
        // A constant row count per call, so each case compiles to a loop without branches.
        switch (rows) {
        case 4: edge_sgemm_tile(ai, k, 4, panel, acc); break;
        case 3: edge_sgemm_tile(ai, k, 3, panel, acc); break;
        case 2: edge_sgemm_tile(ai, k, 2, panel, acc); break;
        default: edge_sgemm_tile(ai, k, 1, panel, acc); break;
        }
        const int valid = n - n0 < EDGE_PANEL ? n - n0 : EDGE_PANEL;
        for (int r = 0; r < rows; r++)
          edge_store_panel_row(c + (size_t)(i + r) * n + n0, acc[r][0], acc[r][1], bias ? bias + n0 : 0, valid);
      }
    }
  }
}

// Eight int8 weights as floats.
EDGE_AVX2 static inline __m256 edge_s8x8(const int8_t *p) {
  return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)p)));
}

// Q8 weight-only GEMV: four rows at a time share each load of x; two accumulators per row keep
// the FMA chains short. Memory-bound for large matrices: one byte per weight instead of four.
EDGE_AVX2 void edge_gemv_q8_avx2(const float *x, int k, const int8_t *q, const float *wscales,
                                 const float *bias, int n_begin, int n_end, float *y) {
  int j = n_begin;
  for (; j + 4 <= n_end; j += 4) {
    const int8_t *r[4] = {q + (size_t)j * k, q + (size_t)(j + 1) * k, q + (size_t)(j + 2) * k, q + (size_t)(j + 3) * k};
    __m256 acc[4][2];
    for (int t = 0; t < 4; t++) acc[t][0] = acc[t][1] = _mm256_setzero_ps();
    int kk = 0;
    for (; kk + 16 <= k; kk += 16) {
      const __m256 x0 = _mm256_loadu_ps(x + kk), x1 = _mm256_loadu_ps(x + kk + 8);
      for (int t = 0; t < 4; t++) {
        acc[t][0] = _mm256_fmadd_ps(edge_s8x8(r[t] + kk), x0, acc[t][0]);
        acc[t][1] = _mm256_fmadd_ps(edge_s8x8(r[t] + kk + 8), x1, acc[t][1]);
      }
    }
    for (int t = 0; t < 4; t++) {
      float sum = edge_hsum(_mm256_add_ps(acc[t][0], acc[t][1]));
      for (int rest = kk; rest < k; rest++) sum += (float)r[t][rest] * x[rest];
      y[j + t] = sum * wscales[j + t] + (bias ? bias[j + t] : 0.0f);
    }
  }
  for (; j < n_end; j++) {
    const int8_t *row = q + (size_t)j * k;
    __m256 acc = _mm256_setzero_ps();
    int kk = 0;
    for (; kk + 8 <= k; kk += 8) acc = _mm256_fmadd_ps(edge_s8x8(row + kk), _mm256_loadu_ps(x + kk), acc);
    float sum = edge_hsum(acc);
    for (; kk < k; kk++) sum += (float)row[kk] * x[kk];
    y[j] = sum * wscales[j] + (bias ? bias[j] : 0.0f);
  }
}

// Q4 GEMV: x is quantized once per call into int8 blocks shared by every row; per row and
// block, the 16 stored bytes become 32 nibbles (low then high), vpmaddubsw(u, xq) and vpmaddwd
// give exact int32 partial sums of u·xq, which meet scale·xscale in one FMA. The −8·Σxq·xscale
// part depends only on x and is folded in per block through the row's scales.
EDGE_AVX2 void edge_gemv_q4_avx2(const float *x, int k, const uint8_t *q, const float *scales,
                                 const float *bias, int n_begin, int n_end, float *y) {
  const int kp = edge_padded_k(k), nb = kp / EDGE_BLOCK;
  int8_t *xq = aligned_alloc(32, ((size_t)kp + 31) / 32 * 32);
  float *xs = malloc(sizeof(float) * (size_t)nb * 2);
  if (!xq || !xs) {
    free(xq);
    free(xs);
    edge_gemv_q4_ref(x, k, q, scales, bias, n_begin, n_end, y);
    return;
  }
  float *offset = xs + nb;  // 8 · Σ xq · xscale per block
  edge_quantize_symmetric_avx2(x, 1, k, xq, xs);
  for (int b = 0; b < nb; b++) {
    int32_t total = 0;
    for (int t = 0; t < EDGE_BLOCK; t++) total += xq[b * EDGE_BLOCK + t];
    offset[b] = 8.0f * (float)total * xs[b];
  }
  const __m128i nibble = _mm_set1_epi8(15);
  const __m256i ones = _mm256_set1_epi16(1);
  const __m256i mask = _mm256_set1_epi8(15);
  const int groups = nb / 8;  // blocks handled eight at a time, their scales as one vector
  // One row at a time: two streams (nibbles and scales) measured well ahead of four rows
  // sharing each load of x (8 streams), about 4x against 2.5x OpenBLAS sgemv at 8192².
  for (int j = n_begin; j < n_end; j++) {
    const size_t row = (size_t)j;
    __m256 acc = _mm256_setzero_ps(), corr = _mm256_setzero_ps();
    float correction = 0.0f;
    for (int g = 0; g < groups; g++) {
      const __m256 wscale = _mm256_loadu_ps(scales + row * (size_t)nb + (size_t)g * 8);
      const __m256 combined = _mm256_mul_ps(wscale, _mm256_loadu_ps(xs + g * 8));
      corr = _mm256_fmadd_ps(wscale, _mm256_loadu_ps(offset + g * 8), corr);
      const uint8_t *bytes = q + row * (size_t)(kp / 2) + (size_t)g * 8 * 16;
      for (int pair = 0; pair < 4; pair++) {
        // 32 bytes = two blocks: low nibbles of both, then high nibbles of both.
        const __m256i raw = _mm256_loadu_si256((const __m256i *)(bytes + pair * 32));
        const __m256i low = _mm256_and_si256(raw, mask);
        const __m256i high = _mm256_and_si256(_mm256_srli_epi16(raw, 4), mask);
        const __m256i u0 = _mm256_permute2x128_si256(low, high, 0x20);
        const __m256i u1 = _mm256_permute2x128_si256(low, high, 0x31);
        const int b = g * 8 + pair * 2;
        const __m256i d0 = _mm256_madd_epi16(_mm256_maddubs_epi16(u0, _mm256_load_si256((const __m256i *)(xq + (size_t)b * 32))), ones);
        const __m256i d1 = _mm256_madd_epi16(_mm256_maddubs_epi16(u1, _mm256_load_si256((const __m256i *)(xq + (size_t)b * 32 + 32))), ones);
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(d0), _mm256_permutevar8x32_ps(combined, _mm256_set1_epi32(pair * 2)), acc);
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(d1), _mm256_permutevar8x32_ps(combined, _mm256_set1_epi32(pair * 2 + 1)), acc);
      }
    }
    for (int b = groups * 8; b < nb; b++) {
      const __m128i bytes = _mm_loadu_si128((const __m128i *)(q + row * (size_t)(kp / 2) + (size_t)b * 16));
      const __m128i low = _mm_and_si128(bytes, nibble);
      const __m128i high = _mm_and_si128(_mm_srli_epi16(bytes, 4), nibble);
      const __m256i u = _mm256_inserti128_si256(_mm256_castsi128_si256(low), high, 1);
      const __m256i dot = _mm256_madd_epi16(_mm256_maddubs_epi16(u, _mm256_load_si256((const __m256i *)(xq + (size_t)b * EDGE_BLOCK))), ones);
      const float scale = scales[row * (size_t)nb + b];
      acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_set1_ps(scale * xs[b]), acc);
      correction += scale * offset[b];
    }
    y[j] = edge_hsum(acc) - (edge_hsum(corr) + correction) + (bias ? bias[j] : 0.0f);
  }
  free(xq);
  free(xs);
}
#endif
