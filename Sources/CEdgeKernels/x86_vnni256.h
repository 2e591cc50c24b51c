// The W8A8 GEMM on 256-bit VNNI (x86_vnni256.c), called only after CPU detection in dispatch.c.
#ifndef EDGE_X86_VNNI256_H
#define EDGE_X86_VNNI256_H
#include <stddef.h>
#include <stdint.h>

/// With AVX-VNNI's VEX `vpdpbusd`. W8A8 when `c` is set, exact int32 sums when `ci` is set.
void edge_gemm_avxvnni(const int8_t *qa, const float *ascales, const int8_t *azeros, int m, int k, const int8_t *packed,
                       const float *wscales, const float *wterms, const int32_t *wsums, const float *bias, int n,
                       int n_begin, int n_end, float *c, int32_t *ci);
/// The same kernel with AVX512-VNNI's EVEX `vpdpbusd` on ymm registers (AVX512VL).
void edge_gemm_vnni256_evex(const int8_t *qa, const float *ascales, const int8_t *azeros, int m, int k,
                            const int8_t *packed, const float *wscales, const float *wterms, const int32_t *wsums,
                            const float *bias, int n, int n_begin, int n_end, float *c, int32_t *ci);
#endif
