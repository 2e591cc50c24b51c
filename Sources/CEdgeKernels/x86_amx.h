// AMX-INT8 kernels (x86_amx.c) and their tile program on emulated tiles (x86_amx_emulated.c).
#ifndef EDGE_X86_AMX_H
#define EDGE_X86_AMX_H
#include <stddef.h>
#include <stdint.h>

/// 1 when the CPU has AMX-TILE and AMX-INT8 and the OS saves tile state (CPUID, XCR0).
int edge_amx_supported(void);
/// 1 once the kernel has granted this process the tile data (Linux's ARCH_REQ_XCOMP_PERM),
/// asked on first use only: a grant enlarges every thread's signal frame, so a process that
/// never runs the AMX path (capped, or no int8 model) never asks.
int edge_amx_permitted(void);
/// W8A8 when `c` is set (float outputs), exact int32 sums over all of K when `ci` is set, as
/// edge_gemm_avx512vnni. Only after edge_amx_permitted. Returns 0.
int edge_gemm_amx(const int8_t *qa, const float *ascales, const int8_t *azeros, int m, int k, const int8_t *packed,
                  const float *wscales, const float *wterms, const int32_t *wsums, const float *bias, int n,
                  int n_begin, int n_end, float *c, int32_t *ci);
/// The same program on emulated tiles: 0, or -2 when it broke a tile rule (an AMX CPU would
/// fault). Needs AVX-512 F/BW.
int edge_gemm_amx_emulated(const int8_t *qa, const float *ascales, const int8_t *azeros, int m, int k,
                           const int8_t *packed, const float *wscales, const float *wterms, const int32_t *wsums,
                           const float *bias, int n, int n_begin, int n_end, float *c, int32_t *ci);
/// 1 when the emulation flags each of a few broken programs (tests: its checks must work).
int edge_amx_emulation_catches_broken_programs(void);
#endif
