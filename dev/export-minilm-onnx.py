#!/usr/bin/env python3
"""Writes all-MiniLM-L6-v2 to ONNX from its published fp32 weights (model.safetensors), and ONNX
Runtime's own dynamic int8 quantization of that graph: the strongest int8 peer for
`edgeinfer bench model`. The graph is built with the `onnx` package's helpers, layer by layer as
BERT defines it (embeddings and LayerNorm; six layers of 12-head self-attention and a GELU
feed-forward, each with residual and LayerNorm), with the interface of the usual exports
(input_ids, attention_mask, token_type_ids -> last_hidden_state; pooling is the caller's), so
dev/bench-onnxruntime.py runs it like any other. The int8 file is `quantize_dynamic`, per
channel, QInt8 weights (MatMulInteger / DynamicQuantizeMatMul, which use VNNI where the CPU has
it).

usage: export-minilm-onnx.py MODEL.safetensors FP32.onnx INT8.onnx
"""
import json
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

LAYERS = 6
HEADS = 12
HIDDEN = 384
HEAD = HIDDEN // HEADS
EPSILON = 1e-12


def read_safetensors(path):
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        data = f.read()
    dtypes = {"F32": np.float32, "I64": np.int64}
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], dtype=dtypes[entry["dtype"]]).reshape(entry["shape"])
    return tensors


class Graph:
    def __init__(self, weights):
        self.weights = weights
        self.nodes = []
        self.initializers = []
        self.count = 0

    def constant(self, name, array):
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def weight(self, name, transpose=False):
        array = self.weights[name]
        return self.constant(name, array.T if transpose else array)

    def op(self, kind, inputs, **attributes):
        self.count += 1
        output = f"{kind.lower()}_{self.count}"
        self.nodes.append(helper.make_node(kind, inputs, [output], **attributes))
        return output

    def linear(self, x, prefix):
        # PyTorch's Linear stores [out, in]: MatMul takes [in, out].
        return self.op("Add", [self.op("MatMul", [x, self.weight(prefix + ".weight", transpose=True)]), self.weight(prefix + ".bias")])

    def layer_norm(self, x, prefix):
        return self.op("LayerNormalization", [x, self.weight(prefix + ".weight"), self.weight(prefix + ".bias")], axis=-1, epsilon=EPSILON)

    def heads(self, x, transpose_key=False):
        split = self.op("Reshape", [x, self.constant(f"heads_shape_{self.count}", np.array([0, 0, HEADS, HEAD], dtype=np.int64))])
        return self.op("Transpose", [split], perm=[0, 2, 3, 1] if transpose_key else [0, 2, 1, 3])


def build(weights):
    g = Graph(weights)
    # Embeddings: word + position (the table's first `sequence` rows) + token type, then LayerNorm.
    length = g.op("Shape", ["input_ids"], start=1, end=2)
    first = g.constant("first", np.array([0], dtype=np.int64))
    positions = g.op("Slice", [g.weight("embeddings.position_embeddings.weight"), first, length, first])
    x = g.op("Add", [g.op("Gather", [g.weight("embeddings.word_embeddings.weight"), "input_ids"], axis=0), positions])
    x = g.op("Add", [x, g.op("Gather", [g.weight("embeddings.token_type_embeddings.weight"), "token_type_ids"], axis=0)])
    x = g.layer_norm(x, "embeddings.LayerNorm")
    # Padding is kept out of attention by a large negative bias on its scores.
    mask = g.op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    bias = g.op("Mul", [g.op("Sub", [g.constant("one_f", np.array(1, dtype=np.float32)), mask]),
                        g.constant("masked", np.array(-10000, dtype=np.float32))])
    bias = g.op("Unsqueeze", [bias, g.constant("mask_axes", np.array([1, 2], dtype=np.int64))])
    scale = g.constant("scale", np.array(1 / np.sqrt(HEAD), dtype=np.float32))
    for layer in range(LAYERS):
        p = f"encoder.layer.{layer}"
        q = g.heads(g.linear(x, p + ".attention.self.query"))
        k = g.heads(g.linear(x, p + ".attention.self.key"), transpose_key=True)
        v = g.heads(g.linear(x, p + ".attention.self.value"))
        scores = g.op("Add", [g.op("Mul", [g.op("MatMul", [q, k]), scale]), bias])
        context = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), v])
        context = g.op("Reshape", [g.op("Transpose", [context], perm=[0, 2, 1, 3]),
                                   g.constant(f"merge_shape_{layer}", np.array([0, 0, HIDDEN], dtype=np.int64))])
        x = g.layer_norm(g.op("Add", [g.linear(context, p + ".attention.output.dense"), x]), p + ".attention.output.LayerNorm")
        h = g.linear(x, p + ".intermediate.dense")
        # GELU as BERT defines it: 0.5 h (1 + erf(h / sqrt 2)).
        erf = g.op("Erf", [g.op("Div", [h, g.constant(f"sqrt2_{layer}", np.array(np.sqrt(2), dtype=np.float32))])])
        gelu = g.op("Mul", [g.op("Mul", [h, g.op("Add", [erf, g.constant(f"one_{layer}", np.array(1, dtype=np.float32))])]),
                            g.constant(f"half_{layer}", np.array(0.5, dtype=np.float32))])
        x = g.layer_norm(g.op("Add", [g.linear(gelu, p + ".output.dense"), x]), p + ".output.LayerNorm")
    g.nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"]))
    inputs = [helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "sequence"])
              for name in ("input_ids", "attention_mask", "token_type_ids")]
    output = helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", HIDDEN])
    graph = helper.make_graph(g.nodes, "all-MiniLM-L6-v2", inputs, [output], g.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="edgeinfer dev/export-minilm-onnx.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main():
    source, fp32_path, int8_path = sys.argv[1:4]
    onnx.save(build(read_safetensors(source)), fp32_path)
    from onnxruntime.quantization import QuantType, quantize_dynamic
    quantize_dynamic(fp32_path, int8_path, per_channel=True, weight_type=QuantType.QInt8)


if __name__ == "__main__":
    main()
