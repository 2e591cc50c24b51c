#!/usr/bin/env python3
"""Trains the embedded default model `digits`: a dense MLP classifier on scikit-learn's bundled
handwritten-digits data set (8x8 images, pixel values 0-16, 10 classes), and writes it into the
model repository in Triton's layout:

    models/digits/config.pbtxt
    models/digits/1/model.safetensors      fp32 weights, layers.N.weight [out, in] and layers.N.bias
    models/digits/test_split.json          the held-out test split (inputs and labels)

The input scaling (pixels / 16) is folded into the first layer, so the served model takes raw
pixel values. Deterministic: the same packages give the same bytes.
Needs numpy and scikit-learn (pip install numpy scikit-learn).
"""
import json
import os
import struct
import sys

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models", "digits")


def write_safetensors(path, tensors):
    """The safetensors layout: u64 little-endian header size, JSON header, then the raw data."""
    header, blobs, offset = {}, [], 0
    for name, array in tensors:
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "edgeinfer-mlp", "activation": "relu",
                              "output": "softmax"}
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)  # keep the data 8-byte aligned for mmap
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for blob in blobs:
            f.write(blob)


CONFIG = """\
# The embedded default model: a dense MLP classifier for 8x8 handwritten digits.
# Input: raw pixel intensities 0-16, row-major. Outputs: class probabilities and the argmax.
name: "digits"
backend: "mlp"
max_batch_size: 64
input [
  {
    name: "pixels"
    data_type: TYPE_FP32
    dims: [ 64 ]
  }
]
output [
  {
    name: "probabilities"
    data_type: TYPE_FP32
    dims: [ 10 ]
  },
  {
    name: "class"
    data_type: TYPE_INT64
    dims: [ 1 ]
  }
]
instance_group [ { count: 1 kind: KIND_CPU } ]
dynamic_batching { max_queue_delay_microseconds: 500 }
parameters { key: "activation" value { string_value: "relu" } }
"""


def main():
    digits = load_digits()
    x = digits.data.astype(np.float32)
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.2, random_state=0, stratify=y)
    clf = MLPClassifier(hidden_layer_sizes=(128, 64), activation="relu", max_iter=600,
                        random_state=0, alpha=1e-3)
    clf.fit(x_train / 16.0, y_train)
    accuracy = float((clf.predict(x_test / 16.0) == y_test).mean())

    tensors = []
    for i, (w, b) in enumerate(zip(clf.coefs_, clf.intercepts_)):
        w = w.T.astype(np.float32)  # [out, in]
        if i == 0:
            w = w / 16.0
        tensors += [(f"layers.{i}.weight", w), (f"layers.{i}.bias", b.astype(np.float32))]

    os.makedirs(os.path.join(ROOT, "1"), exist_ok=True)
    write_safetensors(os.path.join(ROOT, "1", "model.safetensors"), tensors)
    with open(os.path.join(ROOT, "config.pbtxt"), "w") as f:
        f.write(CONFIG)
    with open(os.path.join(ROOT, "test_split.json"), "w") as f:
        json.dump({"inputs": x_test.astype(int).tolist(), "labels": y_test.tolist(),
                   "accuracy": accuracy}, f, separators=(",", ":"))
    print(f"digits: {len(x_train)} train, {len(x_test)} test, test accuracy {accuracy:.4f}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
