// The AMX-INT8 GEMM: the tile program of x86_amx_gemm.h on the AMX instructions. Compiled for
// every x86-64 target through a per-function target attribute and only called after dispatch.c
// has checked the CPU and the OS (edge_amx_supported) and got the process's permission
// (edge_amx_permitted).
#if defined(__x86_64__)
#include "x86_amx.h"

#include <cpuid.h>
#include <immintrin.h>
#include <string.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "edge_kernels.h"
#include "x86_amx_tiles.h"

int edge_amx_supported(void) {
  static int known = -1;
  int value = __atomic_load_n(&known, __ATOMIC_RELAXED);
  if (value >= 0) return value;
  value = 0;
#if defined(__linux__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  // CPUID.1:ECX.OSXSAVE (bit 27) before XGETBV; CPUID.(7,0):EDX AMX-TILE (24), AMX-INT8 (25).
  const int osxsave = __get_cpuid(1, &a, &b, &c, &d) && ((c >> 27) & 1);
  const int amx = __get_cpuid_count(7, 0, &a, &b, &c, &d) && ((d >> 24) & 1) && ((d >> 25) & 1);
  if (osxsave && amx) {
    unsigned lo = 0, hi = 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    // XCR0 bits 17 (XTILECFG) and 18 (XTILEDATA): the OS saves tile state across switches.
    const unsigned tiles = (1u << 17) | (1u << 18);
    value = (lo & tiles) == tiles;
  }
#endif
  __atomic_store_n(&known, value, __ATOMIC_RELAXED);
  return value;
}

int edge_amx_permitted(void) {
  static int known = -1;
  int value = __atomic_load_n(&known, __ATOMIC_ACQUIRE);
  if (value >= 0) return value;
  value = 0;
#if defined(__linux__)
  // The tile data is a dynamically enabled feature: the process must ask for it once
  // (ARCH_REQ_XCOMP_PERM = 0x1023, XFEATURE_XTILEDATA = 18); a kernel that says no leaves it
  // faulting, so the GEMM stays on AVX-512. Asking twice (two threads at once) is harmless.
  if (edge_amx_supported() && syscall(SYS_arch_prctl, 0x1023, 18) == 0) value = 1;
#endif
  __atomic_store_n(&known, value, __ATOMIC_RELEASE);
  return value;
}

#define EDGE_AMX_GEMM edge_gemm_amx
#define EDGE_AMX_TARGET __attribute__((target("amx-tile,amx-int8,avx2,avx512f,avx512bw")))
#define EDGE_TILE_STATE
#define EDGE_TILE_CONFIGURE(cfg) _tile_loadconfig(cfg)
#define EDGE_TILE_ZERO(t) _tile_zero(t)
#define EDGE_TILE_LOAD(t, base, stride) _tile_loadd(t, base, stride)
#define EDGE_TILE_DOT(c, a, b) _tile_dpbssd(c, a, b)
#define EDGE_TILE_STORE(t, base, stride) _tile_stored(t, base, stride)
#define EDGE_TILE_RELEASE() _tile_release()
#define EDGE_TILE_FAILED 0
#include "x86_amx_gemm.h"
#endif
