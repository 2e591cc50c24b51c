// The AMX GEMM's tile program (x86_amx_gemm.h) on emulated tiles: scalar C that follows the
// definitions of LDTILECFG, TILEZERO, TILELOADD, TDPBSSD, TILESTORED and TILERELEASE in Intel's
// manual (palette 1: 8 tiles of up to 16 rows × 64 bytes), and checks the rules whose breach
// faults on an AMX CPU: a tile named before configuration or with 0 rows, operands of mismatched
// shapes, a dot product whose tiles are not distinct. Tests run the program here on every CPU
// with AVX-512 and compare it bit for bit with the reference, so only the instructions
// themselves are left to an AMX CPU.
#if defined(__x86_64__)
#include "x86_amx.h"

#include <immintrin.h>
#include <string.h>

#include "edge_kernels.h"
#include "x86_amx_tiles.h"

typedef struct {
  int configured;
  int failed;
  uint8_t rows[8];
  uint16_t colsb[8];
  uint8_t data[8][16][64];
} edge_tile_file;

static void edge_tile_configure(edge_tile_file *file, const edge_tile_config *cfg) {
  const int failed = file->failed;
  memset(file, 0, sizeof *file);
  file->failed = failed;
  if (cfg->palette != 1 || cfg->start_row != 0) file->failed = 1;
  for (int t = 0; t < 8; t++) {
    if (cfg->rows[t] > 16 || cfg->colsb[t] > 64 || (cfg->rows[t] == 0) != (cfg->colsb[t] == 0)) file->failed = 1;
    file->rows[t] = cfg->rows[t];
    file->colsb[t] = cfg->colsb[t];
  }
  for (int t = 8; t < 16; t++)
    if (cfg->rows[t] || cfg->colsb[t]) file->failed = 1;
  file->configured = 1;
}

/// A tile the program may name: configured, with rows.
static int edge_tile_usable(edge_tile_file *file, int t) {
  if (!file->configured || t < 0 || t > 7 || file->rows[t] == 0) {
    file->failed = 1;
    return 0;
  }
  return 1;
}

static void edge_tile_zero(edge_tile_file *file, int t) {
  if (edge_tile_usable(file, t)) memset(file->data[t], 0, sizeof file->data[t]);
}

/// TILELOADD: each configured row from base + row · stride, the rest of the tile zeroed.
static void edge_tile_load(edge_tile_file *file, int t, const void *base, size_t stride) {
  if (!edge_tile_usable(file, t)) return;
  memset(file->data[t], 0, sizeof file->data[t]);
  for (int r = 0; r < file->rows[t]; r++) memcpy(file->data[t][r], (const uint8_t *)base + (size_t)r * stride, file->colsb[t]);
}

static void edge_tile_store(edge_tile_file *file, int t, void *base, size_t stride) {
  if (!edge_tile_usable(file, t)) return;
  for (int r = 0; r < file->rows[t]; r++) memcpy((uint8_t *)base + (size_t)r * stride, file->data[t][r], file->colsb[t]);
}

/// TDPBSSD c, a, b: c[m][n] += Σ_{q < colsb(a)/4} Σ_{i<4} a[m][4q+i] · b[q][4n+i], signed bytes,
/// int32 lanes wrapping. Needs rows(c) = rows(a), colsb(c) = colsb(b), rows(b) = colsb(a)/4.
static void edge_tile_dot(edge_tile_file *file, int c, int a, int b) {
  if (!edge_tile_usable(file, c) || !edge_tile_usable(file, a) || !edge_tile_usable(file, b)) return;
  if (c == a || c == b || a == b || file->rows[c] != file->rows[a] || file->colsb[c] != file->colsb[b] ||
      file->colsb[a] % 4 != 0 || file->rows[b] != file->colsb[a] / 4) {
    file->failed = 1;
    return;
  }
  for (int m = 0; m < file->rows[c]; m++)
    for (int n = 0; n < file->colsb[c] / 4; n++) {
      int32_t lane;
      memcpy(&lane, &file->data[c][m][4 * n], 4);
      uint32_t acc = (uint32_t)lane;
      for (int q = 0; q < file->colsb[a] / 4; q++)
        for (int i = 0; i < 4; i++)
          acc += (uint32_t)((int32_t)(int8_t)file->data[a][m][4 * q + i] * (int32_t)(int8_t)file->data[b][q][4 * n + i]);
      lane = (int32_t)acc;
      memcpy(&file->data[c][m][4 * n], &lane, 4);
    }
}

#define EDGE_AMX_GEMM edge_gemm_amx_emulated
#define EDGE_AMX_TARGET __attribute__((target("avx2,avx512f,avx512bw")))
#define EDGE_TILE_STATE edge_tile_file tile_file = {0}, *tiles = &tile_file
#define EDGE_TILE_CONFIGURE(cfg) edge_tile_configure(tiles, cfg)
#define EDGE_TILE_ZERO(t) edge_tile_zero(tiles, t)
#define EDGE_TILE_LOAD(t, base, stride) edge_tile_load(tiles, t, base, (size_t)(stride))
#define EDGE_TILE_DOT(c, a, b) edge_tile_dot(tiles, c, a, b)
#define EDGE_TILE_STORE(t, base, stride) edge_tile_store(tiles, t, base, (size_t)(stride))
#define EDGE_TILE_RELEASE() (tiles->configured = 0)
#define EDGE_TILE_FAILED (tiles->failed ? -2 : 0)
#include "x86_amx_gemm.h"
#endif

#if defined(__x86_64__)
int edge_amx_emulation_catches_broken_programs(void) {
  int8_t bytes[16 * 64] = {0};
  int caught = 0, programs = 0;
  edge_tile_config cfg;
  // A tile named before any configuration.
  {
    edge_tile_file file = {0};
    edge_tile_zero(&file, 0);
    caught += file.failed, programs++;
  }
  // An unconfigured (0-row) tile: the second group's, with one group configured.
  {
    edge_tile_file file = {0};
    edge_amx_configure(&cfg, 8);
    edge_tile_configure(&file, &cfg);
    edge_tile_load(&file, 5, bytes, 32);
    caught += file.failed, programs++;
  }
  // Mismatched shapes: C of 8 rows against A of 16.
  {
    edge_tile_file file = {0};
    edge_amx_configure(&cfg, 24);
    edge_tile_configure(&file, &cfg);
    edge_tile_dot(&file, 2, 4, 6);
    caught += file.failed, programs++;
  }
  // B's rows not A's bytes per row / 4.
  {
    edge_tile_file file = {0};
    edge_amx_configure(&cfg, 16);
    cfg.rows[6] = 16;
    edge_tile_configure(&file, &cfg);
    edge_tile_dot(&file, 0, 4, 6);
    caught += file.failed, programs++;
  }
  // Tiles that are not distinct.
  {
    edge_tile_file file = {0};
    edge_amx_configure(&cfg, 16);
    edge_tile_configure(&file, &cfg);
    edge_tile_dot(&file, 0, 0, 6);
    caught += file.failed, programs++;
  }
  // A palette other than 1.
  {
    edge_tile_file file = {0};
    edge_amx_configure(&cfg, 16);
    cfg.palette = 2;
    edge_tile_configure(&file, &cfg);
    caught += file.failed, programs++;
  }
  // And a well-formed one passes.
  edge_tile_file file = {0};
  edge_amx_configure(&cfg, 16);
  edge_tile_configure(&file, &cfg);
  edge_tile_zero(&file, 0);
  edge_tile_load(&file, 4, bytes, 32);
  edge_tile_load(&file, 6, bytes, 64);
  edge_tile_dot(&file, 0, 4, 6);
  return caught == programs && !file.failed;
}
#else
int edge_amx_emulation_catches_broken_programs(void) { return 0; }
#endif
