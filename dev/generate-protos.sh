#!/usr/bin/env bash
# Regenerates Sources/EdgeProto from proto/ with Debian's protoc and the protoc plugins built from
# the swift-protobuf and grpc-swift-protobuf versions this package pins.
# Usage: dev/generate-protos.sh [OUTPUT_DIR]   (default: Sources/EdgeProto)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$root/Sources/EdgeProto"}
cd "$root"

command -v protoc >/dev/null || { echo "protoc not found: apt-get install protobuf-compiler" >&2; exit 1; }
swift build --product protoc-gen-swift >&2
swift build --product protoc-gen-grpc-swift-2 >&2
bin=$(swift build --show-bin-path)

protos=(
  inference/grpc_service.proto
  inference/model_config.proto
  grpc/health/v1/health.proto
  edgeinfer/v1/registry.proto
  edgeinfer/v1/executor.proto
)
mkdir -p "$out"
rm -f "$out"/*.pb.swift "$out"/*.grpc.swift
protoc --proto_path=proto \
  --plugin=protoc-gen-swift="$bin/protoc-gen-swift" \
  --swift_out="$out" \
  --swift_opt=Visibility=Public,FileNaming=PathToUnderscores \
  "${protos[@]}"
# Every service gets both sides: nodes and routers serve, clients and routers call.
protoc --proto_path=proto \
  --plugin=protoc-gen-grpc-swift-2="$bin/protoc-gen-grpc-swift-2" \
  --grpc-swift-2_out="$out" \
  --grpc-swift-2_opt=Visibility=Public,Server=true,Client=true,FileNaming=PathToUnderscores \
  inference/grpc_service.proto grpc/health/v1/health.proto edgeinfer/v1/registry.proto \
  edgeinfer/v1/executor.proto
echo "generated into $out" >&2
