// Helpers shared by the AVX2+FMA kernel files: the target attribute and horizontal reductions
// of a 256-bit vector's eight floats.
#ifndef EDGE_X86_AVX2_LANES_H
#define EDGE_X86_AVX2_LANES_H
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define EDGE_AVX2 __attribute__((target("avx2,fma")))

EDGE_AVX2 static inline float edge_hmax(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

EDGE_AVX2 static inline float edge_hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
#endif
#endif
