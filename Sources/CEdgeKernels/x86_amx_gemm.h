// The AMX-INT8 W8A8 GEMM, written once against tile operations that x86_amx.c maps to the AMX
// instructions and x86_amx_emulated.c to scalar C following the instructions' definitions. So
// the tile program (its configuration, operand layout, row and column tails, and the float
// steps after each block) runs in tests on any CPU with AVX-512; only the instructions
// themselves need an AMX CPU. The includer defines:
//   EDGE_AMX_GEMM             the function's name
//   EDGE_AMX_TARGET           its target attribute
//   EDGE_TILE_STATE           declarations the operations need (the emulation's tile file)
//   EDGE_TILE_CONFIGURE(cfg), EDGE_TILE_ZERO(t), EDGE_TILE_LOAD(t, base, stride),
//   EDGE_TILE_DOT(c, a, b) (TDPBSSD), EDGE_TILE_STORE(t, base, stride), EDGE_TILE_RELEASE()
//   EDGE_TILE_FAILED          nonzero when the program broke a tile rule (the emulation only)
//
// TDPBSSD multiplies signed bytes by signed bytes, four per int32 lane, so the stored signed
// activation codes meet the weights directly: no unsigned offset and no Σ a correction, unlike
// vpdpbusd. A packed panel's block (8 quads × 16 columns × 4 values) is exactly a B tile of
// 8 rows × 64 bytes, and 16 rows' block of activations an A tile of 16 rows × 32 bytes (stride
// kp): one TDPBSSD gives the 16 × 16 exact block sums Σ q·w. Each block's scales differ per row
// and column, so its sums are stored (4 KB for the 32 × 32 outputs of one step, in L1) and
// scaled in AVX-512 registers in the reference's order (the sum times the rounded scale
// product, then the rounded ascale · zq times the columns' zero terms): bit-identical to it.
// Per block, 4 TDPBSSD (32 rows × 32 columns × 32 k) and per row and panel 2 FMAs.

/// Columns per chunk: the chunk's panels stay in L2 while every row group meets them.
#define EDGE_AMX_COLUMN_CHUNK 256

EDGE_AMX_TARGET int EDGE_AMX_GEMM(const int8_t *qa, const float *ascales, const int8_t *azeros, int m, int k,
                                  const int8_t *packed, const float *wscales, const float *wterms,
                                  const int32_t *wsums, const float *bias, int n, int n_begin, int n_end, float *c,
                                  int32_t *ci) {
  EDGE_TILE_STATE;
  const int kp = edge_padded_k(k), nb = kp / EDGE_BLOCK;
  const int end = n_end < n ? n_end : n;
  int32_t sums[EDGE_AMX_ROWS][2 * EDGE_PANEL] __attribute__((aligned(64)));
  float f[EDGE_AMX_ROWS][2 * EDGE_PANEL] __attribute__((aligned(64)));
  int32_t t[EDGE_AMX_ROWS][2 * EDGE_PANEL] __attribute__((aligned(64)));
  edge_tile_config cfg;
  int configured = 0;
  for (int chunk = n_begin; chunk < end; chunk += EDGE_AMX_COLUMN_CHUNK) {
    const int chunk_end = chunk + EDGE_AMX_COLUMN_CHUNK < end ? chunk + EDGE_AMX_COLUMN_CHUNK : end;
    for (int i = 0; i < m; i += EDGE_AMX_ROWS) {
      const int rows = m - i < EDGE_AMX_ROWS ? m - i : EDGE_AMX_ROWS;
      const int upper = rows > EDGE_AMX_GROUP_ROWS;
      if (rows != configured) {  // only the last row group pair may differ
        edge_amx_configure(&cfg, rows);
        EDGE_TILE_CONFIGURE(&cfg);
        configured = rows;
      }
      // The second group's rows only when it has some (past the array otherwise).
      const int8_t *a0 = qa + (size_t)i * kp, *a1 = upper ? qa + (size_t)(i + EDGE_AMX_GROUP_ROWS) * kp : a0;
      for (int n0 = chunk; n0 < chunk_end; n0 += 2 * EDGE_PANEL) {
        const int panels = chunk_end - n0 > EDGE_PANEL ? 2 : 1;
        const int8_t *panel[2];
        for (int p = 0; p < 2; p++) panel[p] = packed + (size_t)(n0 / EDGE_PANEL + (p < panels ? p : 0)) * EDGE_PANEL * kp;
        const size_t first_block = (size_t)(n0 / EDGE_PANEL) * nb * EDGE_PANEL;  // panel p's blocks start p·nb·16 later
        memset(f, 0, sizeof f);
        memset(t, 0, sizeof t);
        for (int b = 0; b < nb; b++) {
          const size_t column = (size_t)b * EDGE_BLOCK;
          EDGE_TILE_ZERO(0);
          EDGE_TILE_LOAD(4, a0 + column, kp);
          EDGE_TILE_LOAD(6, panel[0] + column * EDGE_PANEL, 64);
          EDGE_TILE_DOT(0, 4, 6);
          if (panels == 2) {
            EDGE_TILE_ZERO(1);
            EDGE_TILE_LOAD(7, panel[1] + column * EDGE_PANEL, 64);
            EDGE_TILE_DOT(1, 4, 7);
          }
          if (upper) {
            EDGE_TILE_ZERO(2);
            EDGE_TILE_LOAD(5, a1 + column, kp);
            EDGE_TILE_DOT(2, 5, 6);
            if (panels == 2) {
              EDGE_TILE_ZERO(3);
              EDGE_TILE_DOT(3, 5, 7);
            }
          }
          EDGE_TILE_STORE(0, &sums[0][0], sizeof sums[0]);
          if (panels == 2) EDGE_TILE_STORE(1, &sums[0][EDGE_PANEL], sizeof sums[0]);
          if (upper) {
            EDGE_TILE_STORE(2, &sums[EDGE_AMX_GROUP_ROWS][0], sizeof sums[0]);
            if (panels == 2) EDGE_TILE_STORE(3, &sums[EDGE_AMX_GROUP_ROWS][EDGE_PANEL], sizeof sums[0]);
          }
          for (int p = 0; p < panels; p++) {
            const size_t block = first_block + ((size_t)p * nb + b) * EDGE_PANEL;
            if (c) {
              const __m512 ws = _mm512_loadu_ps(wscales + block), terms = _mm512_loadu_ps(wterms + block);
              for (int r = 0; r < rows; r++) {
                const size_t row_block = (size_t)(i + r) * nb + b;
                const float ascale = ascales[row_block];
                __m512 acc = _mm512_load_ps(&f[r][p * EDGE_PANEL]);
                const __m512 sum = _mm512_cvtepi32_ps(_mm512_load_si512((const void *)&sums[r][p * EDGE_PANEL]));
                acc = _mm512_fmadd_ps(sum, _mm512_mul_ps(_mm512_set1_ps(ascale), ws), acc);
                acc = _mm512_fmadd_ps(_mm512_set1_ps(ascale * (float)azeros[row_block]), terms, acc);
                _mm512_store_ps(&f[r][p * EDGE_PANEL], acc);
              }
            } else {
              // Σ (a − z)·w = Σ a·w − z · Σ w: the packed pairs (Σ w, 128) against (−z, 0).
              const __m512i pairs = _mm512_loadu_si512((const void *)(wsums + block));
              for (int r = 0; r < rows; r++) {
                const int32_t negated = -(int32_t)azeros[(size_t)(i + r) * nb + b];
                const __m512i correction = _mm512_madd_epi16(pairs, _mm512_set1_epi32((int32_t)(uint16_t)negated));
                const __m512i sum = _mm512_load_si512((const void *)&sums[r][p * EDGE_PANEL]);
                __m512i *total = (__m512i *)&t[r][p * EDGE_PANEL];
                _mm512_store_si512(total, _mm512_add_epi32(_mm512_load_si512(total), _mm512_add_epi32(sum, correction)));
              }
            }
          }
        }
        for (int p = 0; p < panels; p++) {
          const int column = n0 + p * EDGE_PANEL;
          const int valid = n - column < EDGE_PANEL ? n - column : EDGE_PANEL;
          const __mmask16 keep = (__mmask16)((1u << valid) - 1u);
          if (c) {
            const __m512 z = bias ? _mm512_maskz_loadu_ps(keep, bias + column) : _mm512_setzero_ps();
            for (int r = 0; r < rows; r++)
              _mm512_mask_storeu_ps(c + (size_t)(i + r) * n + column, keep,
                                    _mm512_add_ps(_mm512_load_ps(&f[r][p * EDGE_PANEL]), z));
          } else {
            for (int r = 0; r < rows; r++)
              _mm512_mask_storeu_epi32(ci + (size_t)(i + r) * n + column, keep,
                                       _mm512_load_si512((const void *)&t[r][p * EDGE_PANEL]));
          }
        }
      }
    }
  }
  if (configured) EDGE_TILE_RELEASE();
  return EDGE_TILE_FAILED;
}
