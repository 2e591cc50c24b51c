import ArgumentParser
import CEdgeKernels

/// `--kernel-path`: caps the kernels' path so two paths can be measured on one CPU. A path the
/// CPU lacks leaves the best it has (the kernels never run an instruction the CPU cannot).
enum KernelPathOption: String, ExpressibleByArgument, CaseIterable {
  case reference
  case avx2
  case avxVnni = "avx-vnni"
  case avx512Vnni = "avx512-vnni"
  case amxInt8 = "amx-int8"

  func apply() {
    switch self {
    case .reference: edge_kernels_cap_path(EDGE_PATH_REFERENCE)
    case .avx2: edge_kernels_cap_path(EDGE_PATH_AVX2)
    case .avxVnni: edge_kernels_cap_path(EDGE_PATH_AVX_VNNI)
    case .avx512Vnni: edge_kernels_cap_path(EDGE_PATH_AVX512_VNNI)
    case .amxInt8: edge_kernels_cap_path(EDGE_PATH_AMX_INT8)
    }
  }
}
