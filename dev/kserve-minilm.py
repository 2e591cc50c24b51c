#!/usr/bin/env python3
"""A KServe model server for the serving comparison (dev/bench-kserve.sh): all-MiniLM-L6-v2 as
ONNX Runtime's dynamic int8 quantization of the fp32 graph (`make models` writes it), behind
KServe's ModelServer, which speaks the Open Inference Protocol over gRPC and REST as our node
does. The model takes the same request as ours (input `text`, BYTES, one text per row) and
answers `embedding` (FP32, unit-length rows): tokenized by `tokenizers`, padded to the request's
longest text, mean-pooled over real tokens and L2-normalised, as dev/bench-onnxruntime.py does.
ONNX Runtime runs on one thread (intra_op_num_threads 1), as our model config's `threads: 1`.

usage: kserve-minilm.py MODEL.onnx TOKENIZER.json GRPC_PORT HTTP_PORT
"""
import logging
import sys

import numpy as np
import onnxruntime
from kserve import InferOutput, InferRequest, InferResponse, Model, ModelServer
from tokenizers import Tokenizer


class MiniLM(Model):
    def __init__(self, name, model_path, tokenizer_path):
        super().__init__(name)
        self.model_path = model_path
        self.tokenizer_path = tokenizer_path
        self.load()

    def load(self):
        self.tokenizer = Tokenizer.from_file(self.tokenizer_path)
        self.tokenizer.enable_truncation(256)
        self.tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(self.model_path, options, providers=["CPUExecutionProvider"])
        self.ready = True
        return self.ready

    # What ModelMetadata answers (KServe's default is no inputs): our node's signature.
    def get_input_types(self):
        return [{"name": "text", "datatype": "BYTES", "shape": [-1, 1]}]

    def get_output_types(self):
        return [{"name": "embedding", "datatype": "FP32", "shape": [-1, 384]}]

    async def predict(self, payload: InferRequest, headers=None, response_headers=None) -> InferResponse:
        texts = [t.decode("utf-8") if isinstance(t, bytes) else str(t) for t in payload.inputs[0].as_numpy().reshape(-1)]
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        vectors = (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)
        output = InferOutput(name="embedding", shape=list(vectors.shape), datatype="FP32")
        output.set_data_from_numpy(vectors)
        return InferResponse(model_name=self.name, infer_outputs=[output], response_id=payload.id)


if __name__ == "__main__":
    model_path, tokenizer_path, grpc_port, http_port = sys.argv[1:5]
    sys.argv = sys.argv[:1]  # KServe parses the command line itself
    server = ModelServer(grpc_port=int(grpc_port), http_port=int(http_port), workers=1)
    # Warnings only, as our node runs in the comparison: KServe logs every gRPC call at INFO.
    for name in ("kserve", "uvicorn", "uvicorn.error", "uvicorn.access", "kserve.trace"):
        logging.getLogger(name).setLevel(logging.WARNING)
    server.start([MiniLM("minilm", model_path, tokenizer_path)])
