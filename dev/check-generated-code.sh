#!/usr/bin/env bash
# Fails when the committed generated code differs from what proto/ generates now.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$root/dev/generate-protos.sh" "$tmp"
if ! diff -r -x Placeholder.swift "$root/Sources/EdgeProto" "$tmp"; then
  echo "Generated code in Sources/EdgeProto is out of date: run dev/generate-protos.sh" >&2
  exit 1
fi
echo "generated code is up to date"
