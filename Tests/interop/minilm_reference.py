"""An independent reference for the minilm model: BERT's forward pass in numpy (float64),
reading the same safetensors file, with mean pooling and L2 normalisation as
sentence-transformers does it, and token ids from the reference `tokenizers` package."""
import os

import numpy as np

from safetensors_numpy import load_safetensors

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODEL = os.path.join(ROOT, "models", "minilm")
MAX_TOKENS = 256


def reference_tokenizer():
    from tokenizers import Tokenizer
    tokenizer = Tokenizer.from_file(os.path.join(MODEL, "1", "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.no_padding()
    return tokenizer


def erf(x):
    from math import erf as scalar_erf
    return np.vectorize(scalar_erf)(x)


class ReferenceEncoder:
    def __init__(self, path=os.path.join(MODEL, "1", "model.safetensors"), heads=12):
        self.t = {k: v.astype(np.float64) for k, v in load_safetensors(path).items() if v.dtype == np.float32}
        self.heads = heads
        self.layers = 0
        while f"encoder.layer.{self.layers}.attention.self.query.weight" in self.t:
            self.layers += 1

    @staticmethod
    def layer_norm(x, gamma, beta, eps=1e-12):
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + eps) * gamma + beta

    def linear(self, x, name):
        return x @ self.t[name + ".weight"].T + self.t[name + ".bias"]

    def embed(self, ids):
        """One sentence's ids ([CLS] … [SEP]) to its unit-length embedding."""
        t = self.t
        n = len(ids)
        x = t["embeddings.word_embeddings.weight"][ids] + t["embeddings.position_embeddings.weight"][:n] \
            + t["embeddings.token_type_embeddings.weight"][0]
        x = self.layer_norm(x, t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"])
        width = x.shape[1] // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            q = self.linear(x, p + "attention.self.query").reshape(n, self.heads, width).transpose(1, 0, 2)
            k = self.linear(x, p + "attention.self.key").reshape(n, self.heads, width).transpose(1, 0, 2)
            v = self.linear(x, p + "attention.self.value").reshape(n, self.heads, width).transpose(1, 0, 2)
            scores = q @ k.transpose(0, 2, 1) / np.sqrt(width)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(1, 0, 2).reshape(n, -1)
            attended = self.layer_norm(self.linear(context, p + "attention.output.dense") + x,
                                       t[p + "attention.output.LayerNorm.weight"], t[p + "attention.output.LayerNorm.bias"])
            inner = self.linear(attended, p + "intermediate.dense")
            inner = 0.5 * inner * (1 + erf(inner / np.sqrt(2)))
            x = self.layer_norm(self.linear(inner, p + "output.dense") + attended,
                                t[p + "output.LayerNorm.weight"], t[p + "output.LayerNorm.bias"])
        pooled = x.mean(0)
        return pooled / max(np.linalg.norm(pooled), 1e-12)
