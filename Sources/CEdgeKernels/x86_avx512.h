// AVX512-VNNI kernels (x86_avx512.c), called only after CPU detection in dispatch.c.
#ifndef EDGE_X86_AVX512_H
#define EDGE_X86_AVX512_H
#include <stddef.h>
#include <stdint.h>

/// W8A8 when `c` is set (float outputs), exact int32 sums over all of K when `ci` is set.
void edge_gemm_avx512vnni(const int8_t *qa, const float *ascales, const int8_t *azeros, int m, int k,
                          const int8_t *packed, const float *wscales, const float *wterms, const int32_t *wsums,
                          const float *bias, int n, int n_begin, int n_end, float *c, int32_t *ci);
void edge_sgemm_avx512(const float *a, int m, int k, const float *packed, const float *bias, int n, int n_begin,
                       int n_end, float *c);
void edge_gelu_avx512(float *x, size_t count);
/// Any width; `scratch` as edge_attention_head's.
void edge_attention_head_avx512(const float *q, const float *k, const float *v, int stride, int length,
                                int width, float scale, float *scratch, float *out);
#endif
