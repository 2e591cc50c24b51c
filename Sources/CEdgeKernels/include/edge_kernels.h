// EdgeInfer's CPU kernels: quantization formats and the GEMM/GEMV kernels that read them.
// Each kernel has a scalar reference (`_ref`) and, on x86-64, an AVX2+FMA version; the integer
// GEMM also 256-bit VNNI, AVX512-VNNI and AMX-INT8 versions, the fp32 GEMM, attention and GELU AVX-512
// ones. The path is chosen at run time; the public entry points dispatch. Swift reaches them only
// through EdgeRuntime.
#ifndef EDGE_KERNELS_H
#define EDGE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Elements per quantization block along K, for activations and for Q4 weights.
#define EDGE_BLOCK 32
/// Output columns per packed W8 panel.
#define EDGE_PANEL 16

/// K rounded up to a whole number of blocks.
static inline int edge_padded_k(int k) { return (k + EDGE_BLOCK - 1) / EDGE_BLOCK * EDGE_BLOCK; }
/// N rounded up to a whole number of panels.
static inline int edge_padded_n(int n) { return (n + EDGE_PANEL - 1) / EDGE_PANEL * EDGE_PANEL; }

/// The kernel paths, in order: each needs the CPU features of the ones before it.
#define EDGE_PATH_REFERENCE 0
/// AVX2 + FMA (every kernel).
#define EDGE_PATH_AVX2 1
/// 256-bit `vpdpbusd` for the integer GEMM: AVX-VNNI's VEX form, or on CPUs with AVX512-VNNI
/// and VL (which may lack AVX-VNNI) its EVEX form; the other kernels run their AVX2 form.
#define EDGE_PATH_AVX_VNNI 2
/// AVX-512 F/BW/VL with VNNI (vpdpbusd): the integer GEMM, the fp32 GEMM, attention and GELU;
/// the other kernels run their AVX2 form.
#define EDGE_PATH_AVX512_VNNI 3
/// AMX-INT8 tiles (TDPBSSD) for the integer GEMM, where the CPU has them and the OS saves their
/// state; permission is asked on first use, and a refusal runs the AVX512-VNNI kernel. The other
/// kernels run their AVX-512 or AVX2 form.
#define EDGE_PATH_AMX_INT8 4

/// The best path this CPU has.
int edge_kernels_best_path(void);
/// The path in use: the best, or less when capped.
int edge_kernels_path(void);
/// Caps the path (tests, comparisons); -1 lifts the cap.
void edge_kernels_cap_path(int path);
/// A path's name: "scalar reference", "avx2+fma", "avx-vnni" (or "avx-vnni (EVEX form)"), "avx512-vnni",
/// "amx-int8".
const char *edge_kernels_path_name(int path);
/// 1 when the AVX2+FMA kernels run (path ≥ AVX2).
int edge_kernels_use_avx2(void);
/// Caps the path at the reference (1) or lifts the cap (0).
void edge_kernels_force_reference(int on);

// ---- Activations: int8 in blocks of 32 along K, with a zero point each -----------------------
// Each row of x [m][k] is cut into blocks of 32 (the last one zero-padded to kp = padded K). A
// block's range [lo, hi] is its smallest and largest value widened to hold 0 (NaN ignored). With
// inverse = 255 / (hi − lo) rounded to float (0 when the range is 0, or so small that the quotient
// is infinite), it gets the step d = (hi − lo) / 255, the unsigned zero point
// z = clamp(round(−lo · inverse), 0, 255) and codes u = clamp(round(x · inverse) + z, 0, 255),
// rounding in the current mode (nearest even by default); NaN inputs take code 0, and so does a
// NaN zero point (an infinite range: inverse 0, step ∞). So x ≈ d · (u − z): all 256 codes cover
// the block's own range, and a one-sided block (a GELU's output, nearly all ≥ 0) keeps a full 8
// bits where a symmetric ±127 grid would leave it 7. Stored signed for the kernels: q = u − 128
// [m][kp] and zq = z − 128 [m][kp/32], x ≈ d · (q − zq), steps [m][kp/32]. Zero is exact
// (q = zq), so is the padding. An all-zero block has d = 0.
void edge_quantize_activations(const float *x, int m, int k, int8_t *q, float *scales, int8_t *zeros);
void edge_quantize_activations_ref(const float *x, int m, int k, int8_t *q, float *scales, int8_t *zeros);
/// The inverse: x[m][k] = (q − zq) · d of its block (the rounding error is at most d / 2).
void edge_dequantize_activations(const int8_t *q, const float *scales, const int8_t *zeros, int m, int k, float *x);

// The Q4 GEMV's activations: symmetric int8 blocks of 32. Block b gets scale d = max|x| / 127 and
// q = round_to_nearest_even(x · (127 / max|x|)), so |q| <= 127. An all-zero block has d = 0 and
// q = 0. Values [m][kp], scales [m][kp/32].
void edge_quantize_symmetric(const float *x, int m, int k, int8_t *q, float *scales);
void edge_quantize_symmetric_ref(const float *x, int m, int k, int8_t *q, float *scales);

// ---- Weights: int8 per output channel (W8) --------------------------------------------------
// Row n of w [n][k] gets scale s = max|w| / 127 and q = round(w * 127 / max|w|) in [-127, 127].
void edge_quantize_rows_s8(const float *w, int n, int k, int8_t *q, float *scales);
// The W8A8 weight format: int8 with one scale per block of 32 along K (as activations), so an
// outlier weight coarsens only its own block. q is [n][k]; scales [n][kp/32] (padding scale 0).
void edge_quantize_blocks_s8(const float *w, int n, int k, int8_t *q, float *scales);
/// Floats of packed W8A8 block scales: [padded N / 16][kp/32][16], a panel's 16 columns side by
/// side; also the count of packed block sums, laid out the same.
size_t edge_packed_w8_scale_count(int n, int k);
void edge_pack_w8_scales(const float *scales, int n, int k, float *packed);
/// −(scale · Σ w) of each column's block, packed as the scales: the W8A8 GEMM's factor for the
/// activations' zero points (below).
void edge_pack_w8_zero_terms(const int8_t *q, const float *scales, int n, int k, float *packed);
/// Σ of each column's weights over each block of 32 along K, packed as the scales, for the exact
/// integer sums of edge_gemm_s8_s32. Each int32 holds two int16 halves, Σ w in the low one
/// (|Σ| ≤ 32 · 128) and 128 in the high one (the VNNI kernels' offset, see x86_avx512.c).
void edge_pack_w8_sums(const int8_t *q, int n, int k, int32_t *packed);

/// Bytes of a packed W8 matrix: padded N × padded K.
size_t edge_packed_w8_count(int n, int k);
// The packed (interleaved) layout, prepared once at load: panels of 16 output columns; within a
// panel, for each quad of k (4j … 4j+3), the 16 columns' four values side by side, so one
// 256-bit load holds 8 columns × 4 k. The AVX2 kernel broadcasts four activations a, multiplies
// |a| (unsigned) by sign(a)·w (signed) with vpmaddubsw, and widens with vpmaddwd: since
// |a| <= 128 and |w| <= 127, a pair sum is at most 2·128·127 = 32512 and never saturates the
// int16, so every block sum is exact (weights must stay within ±127, which the quantizer
// guarantees). Padding (N to 16, K to 32) is zero.
void edge_pack_w8(const int8_t *q, int n, int k, int8_t *packed);

// ---- W8A8 GEMM -------------------------------------------------------------------------------
// c[m][n] = Σ_b (ascale[m][b] · wscale[n][b]) · Σ_{k in b} (qa[m][k] − zq[m][b]) · qw[n][k] + bias[n],
// computed per block, in block order, as two fused multiply-adds:
//   acc = fma(Σ_{k in b} qa · qw, ascale · wscale, acc)        the int32 sum exact, the product rounded
//   acc = fma(ascale · zq, −(wscale · Σ_{k in b} qw), acc)     both products rounded
// and the bias added last, so every vector kernel equals the reference bit for bit. The zero
// point's share is taken in float because its factor −(wscale · Σ qw) depends only on the weights
// (packed once at load, edge_pack_w8_zero_terms): an integer zq · Σ qw per row, block and column
// costs the multiplier pipes as much as an eighth of the products themselves. The kernels take
// packed weights, scales and zero terms; the reference the stored forms. Columns
// [n_begin, n_end) only (n_begin a multiple of 16, n_end one too or n: the vector kernels write
// whole panels), so threads can split N. bias may be NULL.
void edge_gemm_w8a8(const int8_t *qa, const float *ascales, const int8_t *azeros, int m, int k, const int8_t *packed,
                    const float *packed_wscales, const float *packed_zero_terms, const float *bias, int n,
                    int n_begin, int n_end, float *c);
void edge_gemm_w8a8_ref(const int8_t *qa, const float *ascales, const int8_t *azeros, int m, int k,
                        const int8_t *qw, const float *wscales, const float *bias, int n, float *c);
// The integer sums exactly, over all of K: c[m][n] = Σ_k (qa[m][k] − zq[m][k/32]) · qw[n][k].
void edge_gemm_s8_s32(const int8_t *qa, const int8_t *azeros, int m, int k, const int8_t *packed,
                      const int32_t *packed_wsums, int n, int n_begin, int n_end, int32_t *c);
void edge_gemm_s8_s32_ref(const int8_t *qa, const int8_t *azeros, int m, int k, const int8_t *qw, int n, int32_t *c);
// The same two on a given path, whatever the cap (tests and benchmarks compare paths side by
// side): 0 when it ran, -1 when this CPU lacks the path. EDGE_PATH_REFERENCE is the scalar
// kernel on the packed layout.
int edge_gemm_w8a8_on(int path, const int8_t *qa, const float *ascales, const int8_t *azeros, int m, int k,
                      const int8_t *packed, const float *packed_wscales, const float *packed_zero_terms,
                      const float *bias, int n, int n_begin, int n_end, float *c);
int edge_gemm_s8_s32_on(int path, const int8_t *qa, const int8_t *azeros, int m, int k, const int8_t *packed,
                        const int32_t *packed_wsums, int n, int n_begin, int n_end, int32_t *c);
// The AMX path's tile program on emulated tiles (scalar C following the instructions'
// definitions and checking their operand rules), so tests check it on CPUs without AMX: 0 when
// it ran, -1 when the CPU lacks AVX-512 (its float steps run there), -2 when the program broke
// a tile rule, which on an AMX CPU would fault.
int edge_gemm_w8a8_amx_emulated(const int8_t *qa, const float *ascales, const int8_t *azeros, int m, int k,
                                const int8_t *packed, const float *packed_wscales, const float *packed_zero_terms,
                                const float *bias, int n, int n_begin, int n_end, float *c);
int edge_gemm_s8_s32_amx_emulated(const int8_t *qa, const int8_t *azeros, int m, int k, const int8_t *packed,
                                  const int32_t *packed_wsums, int n, int n_begin, int n_end, int32_t *c);
/// 1 when the emulation flags each of a few broken tile programs and passes a well-formed one.
int edge_amx_emulation_catches_broken_programs(void);

// ---- fp32 GEMM on packed weights -----------------------------------------------------------
// c[m][n] = Σ_k a[m][k] · w[n][k] + bias[n], each sum a chain of fused multiply-adds in k order
// from zero and the bias added last, so every path equals the reference bit for bit. The weights
// are packed once at load into panels of 16 output columns, [padded N / 16][k][16], so one
// 512-bit load (or two 256-bit ones) holds a k of 16 columns and each row's a[k] is broadcast
// against it. The BLAS's sgemm packs both operands on every call, which at a sentence's 14 rows
// costs more than the arithmetic. Columns [n_begin, n_end) only (n_begin a multiple of 16, n_end
// one too or n: the vector kernels write whole panels); bias may be NULL.
size_t edge_packed_f32_count(int n, int k);
void edge_pack_f32(const float *w, int n, int k, float *packed);
void edge_sgemm_packed(const float *a, int m, int k, const float *packed, const float *bias, int n, int n_begin,
                       int n_end, float *c);
/// On a given path: 0 when it ran, -1 when this CPU lacks it. AVX512-VNNI runs the AVX-512F kernel.
int edge_sgemm_packed_on(int path, const float *a, int m, int k, const float *packed, const float *bias, int n,
                         int n_begin, int n_end, float *c);
/// The reference on the stored (unpacked) weights [n][k].
void edge_sgemm_ref(const float *a, int m, int k, const float *w, const float *bias, int n, float *c);

// ---- Weight-only GEMV (batch 1): y[n] = Σ_k w[n][k] * x[k] + bias[n] -----------------------
// Q8: w = wscale[n] * q[n][k] with q int8 [n][k] (the W8 format above, unpacked).
void edge_gemv_q8(const float *x, int k, const int8_t *q, const float *wscales, const float *bias,
                  int n_begin, int n_end, float *y);
void edge_gemv_q8_ref(const float *x, int k, const int8_t *q, const float *wscales,
                      const float *bias, int n_begin, int n_end, float *y);

// Q4: blocks of 32 along K, one fp32 scale each; scales [n][kp/32]. A block's 32 weights are
// w = scale * (u - 8) with u in 0..15, stored in 16 bytes: byte j holds element j in its low
// nibble and element j + 16 in its high nibble. A row is kp/2 bytes. The GEMV quantizes x once
// per call into symmetric int8 blocks (edge_quantize_symmetric) and takes each block's dot product exactly in
// int32: y[n] = Σ_b scale[n][b] · xscale[b] · Σ_{t in b} (u_t - 8) · xq_t + bias[n]. Nibbles are
// unsigned, so vpmaddubsw(u, xq) needs no sign trick and cannot saturate (2 · 15 · 127 < 32767).
void edge_quantize_rows_q4(const float *w, int n, int k, uint8_t *q, float *scales);
void edge_gemv_q4(const float *x, int k, const uint8_t *q, const float *scales, const float *bias,
                  int n_begin, int n_end, float *y);
void edge_gemv_q4_ref(const float *x, int k, const uint8_t *q, const float *scales,
                      const float *bias, int n_begin, int n_end, float *y);


// ---- Transformer element-wise kernels --------------------------------------------------------
// GELU in place, x · Φ(x) = 0.5 · x · (1 + erf(x / √2)) (the exact form BERT uses, not the tanh
// approximation). The reference calls libm's erff; the AVX2 version evaluates erf with
// Abramowitz & Stegun 7.1.26 (absolute error ≤ 1.5e-7) and a polynomial exp, so the two agree to
// a few 1e-7 relative, well inside the model's own rounding.
void edge_gelu(float *x, size_t count);
void edge_gelu_ref(float *x, size_t count);
/// On a given path: -1 when this CPU lacks it, 0 when it ran (AVX-512 computes 1/(1 + p·z) by
/// vrcp14ps and a Newton step, within the same tolerance).
int edge_gelu_on(int path, float *x, size_t count);

// Row-wise softmax in place over `rows` rows of `n` contiguous values: exp(x - max) / Σ.
void edge_softmax_rows(float *x, int rows, int n);
void edge_softmax_rows_ref(float *x, int rows, int n);

// One attention head over one sentence: out_i = Σ_j softmax_j(scale · q_i·k_j) · v_j for i, j
// in [0, length), with q, k, v and out rows `stride` floats apart (a head's columns inside the
// [tokens × hidden] projections) and `width` values per head. `scratch` holds
// edge_attention_scratch(length, width) floats. Small heads (MiniLM: 32 wide, ~15 tokens) cost
// OpenBLAS more in packing than in arithmetic, so the vector paths block it themselves: the keys
// transposed once, then eight query rows at a time against 8 (AVX2) or 16 (AVX-512) keys per
// vector, and the softmax's division applied once to each output row.
size_t edge_attention_scratch(int length, int width);
void edge_attention_head(const float *q, const float *k, const float *v, int stride, int length,
                         int width, float scale, float *scratch, float *out);
void edge_attention_head_ref(const float *q, const float *k, const float *v, int stride, int length,
                             int width, float scale, float *scratch, float *out);
/// On a given path (EDGE_PATH_*): -1 when this CPU lacks it, 0 when it ran. A path whose kernel
/// cannot take this width runs the next one down.
int edge_attention_head_on(int path, const float *q, const float *k, const float *v, int stride, int length,
                           int width, float scale, float *scratch, float *out);

// Residual add and LayerNorm in place: x = (x + r - mean) / sqrt(var + eps) · gamma + beta per
// row of n, with the population variance as BERT uses. r may be NULL (LayerNorm alone).
void edge_add_layer_norm(float *x, const float *r, int rows, int n, const float *gamma,
                         const float *beta, float eps);
void edge_add_layer_norm_ref(float *x, const float *r, int rows, int n, const float *gamma,
                             const float *beta, float eps);

#ifdef __cplusplus
}
#endif
#endif
