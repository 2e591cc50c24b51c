// The AMX tile configuration, shared by the AMX kernel (x86_amx.c) and its emulation
// (x86_amx_emulated.c).
#ifndef EDGE_X86_AMX_TILES_H
#define EDGE_X86_AMX_TILES_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/// LDTILECFG's 64-byte operand, palette 1: each tile's bytes per row and rows (0: unused).
typedef struct __attribute__((aligned(64))) {
  uint8_t palette;
  uint8_t start_row;
  uint8_t reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
} edge_tile_config;
// The layout LDTILECFG reads; the emulation reads the fields by name, so only these checks tie
// it to the hardware's bytes.
_Static_assert(sizeof(edge_tile_config) == 64, "LDTILECFG reads 64 bytes");
_Static_assert(offsetof(edge_tile_config, colsb) == 16, "bytes per row from byte 16");
_Static_assert(offsetof(edge_tile_config, rows) == 48, "rows from byte 48");

/// The GEMM's eight tiles: sums C in 0–3 (row group g, panel p: 2g + p), activations A in 4–5
/// (row group), weights B in 6–7 (panel).
#define EDGE_AMX_GROUP_ROWS 16
#define EDGE_AMX_ROWS (2 * EDGE_AMX_GROUP_ROWS)

/// The configuration for a row group pair of `rows` (1 … 32) rows: C tiles of 16 int32 per row,
/// A tiles of one block (32 bytes) per row, B tiles of a packed block (8 quads of 64 bytes).
/// Tiles of an empty second group stay unconfigured (0 rows), as a program that never names them
/// must leave them.
static inline void edge_amx_configure(edge_tile_config *cfg, int rows) {
  memset(cfg, 0, sizeof *cfg);
  cfg->palette = 1;
  const int first = rows < EDGE_AMX_GROUP_ROWS ? rows : EDGE_AMX_GROUP_ROWS, second = rows - first;
  const int group_rows[2] = {first, second};
  for (int g = 0; g < 2; g++) {
    if (!group_rows[g]) continue;
    for (int p = 0; p < 2; p++) {
      cfg->rows[2 * g + p] = (uint8_t)group_rows[g];
      cfg->colsb[2 * g + p] = 64;
    }
    cfg->rows[4 + g] = (uint8_t)group_rows[g];
    cfg->colsb[4 + g] = 32;
  }
  for (int p = 0; p < 2; p++) {
    cfg->rows[6 + p] = 8;
    cfg->colsb[6 + p] = 64;
  }
}
#endif
