// AVX2+FMA kernels (x86_avx2.c), called only after CPU detection in dispatch.c.
#ifndef EDGE_X86_AVX2_H
#define EDGE_X86_AVX2_H
#include <stddef.h>
#include <stdint.h>

void edge_quantize_activations_avx2(const float *x, int m, int k, int8_t *q, float *scales, int8_t *zeros);
void edge_quantize_symmetric_avx2(const float *x, int m, int k, int8_t *q, float *scales);
/// W8A8 when `c` is set (float outputs), exact int32 sums over all of K when `ci` is set.
void edge_gemm_avx2(const int8_t *qa, const float *ascales, const int8_t *azeros, int m, int k, const int8_t *packed,
                    const float *wscales, const float *wterms, const int32_t *wsums, const float *bias, int n,
                    int n_begin, int n_end, float *c, int32_t *ci);
void edge_gemv_q8_avx2(const float *x, int k, const int8_t *q, const float *wscales,
                       const float *bias, int n_begin, int n_end, float *y);
void edge_gemv_q4_avx2(const float *x, int k, const uint8_t *q, const float *scales,
                       const float *bias, int n_begin, int n_end, float *y);
void edge_sgemm_avx2(const float *a, int m, int k, const float *packed, const float *bias, int n, int n_begin,
                     int n_end, float *c);
void edge_gelu_avx2(float *x, size_t count);
/// Width a multiple of 8; `scratch` as edge_attention_head's.
void edge_attention_head_avx2(const float *q, const float *k, const float *v, int stride, int length,
                              int width, float scale, float *scratch, float *out);
/// exp(x - max) over a row in place; returns the sum.
float edge_exp_row_avx2(float *x, int n);
void edge_softmax_rows_avx2(float *x, int rows, int n);
void edge_add_layer_norm_avx2(float *x, const float *r, int rows, int n, const float *gamma,
                              const float *beta, float eps);
#endif
