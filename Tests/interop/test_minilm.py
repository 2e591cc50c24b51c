"""The minilm sentence-embedding model (dev/fetch-minilm.sh) through the router with the
published `tritonclient`: token ids equal to the reference `tokenizers` package's, the fp32
version equal to an independent numpy forward pass, the int8 version close to it, and bad
texts refused with a clear status."""
import json
import os
import subprocess

import numpy as np
import pytest
import tritonclient.grpc as grpcclient
from tritonclient.utils import InferenceServerException

from conftest import BIN
from minilm_reference import MAX_TOKENS, MODEL, ReferenceEncoder, reference_tokenizer

HERE = os.path.dirname(__file__)
with open(os.path.join(HERE, "data", "sentences.json"), encoding="utf-8") as f:
    SENTENCES = json.load(f)


@pytest.fixture(scope="module")
def tokenizer():
    return reference_tokenizer()


@pytest.fixture(scope="module")
def reference(tokenizer):
    encoder = ReferenceEncoder()
    return np.stack([encoder.embed(tokenizer.encode(text).ids) for text in SENTENCES])


@pytest.fixture(scope="module")
def client(cluster):
    port = cluster.router.rsplit(":", 1)[1]
    return grpcclient.InferenceServerClient(url=f"localhost:{port}", ssl=True, root_certificates=cluster.ca)


def embed(client, texts, version=""):
    data = np.array([[text.encode("utf-8") if isinstance(text, str) else text] for text in texts], dtype=np.object_)
    text = grpcclient.InferInput("text", list(data.shape), "BYTES")
    text.set_data_from_numpy(data)
    result = client.infer("minilm", [text], model_version=version)
    return result.as_numpy("embedding"), result.get_response().parameters


def our_ids(texts, max_tokens=MAX_TOKENS):
    path = os.path.join(HERE, ".texts.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(texts, f, ensure_ascii=False)
    try:
        out = subprocess.check_output([os.path.join(BIN, "edgeinfer"), "tokenize", os.path.join(MODEL, "1"),
                                       "--texts-json", path, "--max-tokens", str(max_tokens)])
    finally:
        os.remove(path)
    return json.loads(out)


def test_token_ids_equal_the_reference_tokenizer(tokenizer):
    ours = our_ids(SENTENCES)
    for text, row in zip(SENTENCES, ours):
        expected = tokenizer.encode(text)
        assert row["ids"] == expected.ids, text
        assert row["truncated"] == bool(expected.overflowing), text


def test_token_ids_equal_the_reference_on_random_unicode(tokenizer):
    # Every Unicode block the tokenizer treats specially, mixed with spaces, seeded.
    rng = np.random.default_rng(11)
    blocks = [(0x20, 0x7E), (0xA0, 0x24F), (0x300, 0x36F), (0x370, 0x52F), (0x590, 0x6FF), (0x900, 0x97F),
              (0xE00, 0xE7F), (0x1100, 0x11FF), (0x1800, 0x18AF), (0x1E00, 0x1FFF), (0x2000, 0x2BFF),
              (0x2E00, 0x2E7F), (0x3000, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x4F00), (0xA800, 0xA9FF),
              (0xAC00, 0xAD00), (0xE000, 0xE0FF), (0xF900, 0xFAFF), (0xFB00, 0xFFEF), (0x0, 0x1F),
              (0x11000, 0x117FF), (0x13400, 0x1345F), (0x1F300, 0x1FAFF), (0x2B700, 0x2B9FF), (0x10FFF0, 0x10FFFF)]
    texts = []
    for _ in range(2000):
        chars = []
        for _ in range(rng.integers(1, 40)):
            low, high = blocks[rng.integers(len(blocks))]
            code = int(rng.integers(low, high + 1))
            chars.append(chr(code) if not 0xD800 <= code <= 0xDFFF else "x")
            if rng.random() < 0.2:
                chars.append(" ")
        texts.append("".join(chars))
    for text, row in zip(texts, our_ids(texts)):
        assert row["ids"] == tokenizer.encode(text).ids, repr(text)


def test_token_ids_equal_the_reference_on_long_texts(tokenizer):
    # Thousands of characters, so the tokenizer's chunks (cut after word boundaries) end
    # everywhere: inside runs of marks, controls, ideographs, punctuation and overlong words.
    rng = np.random.default_rng(5)
    parts = ["word", "  ", ",", "\u0301", "e\u0301", "\u4e00", "\u0007", "x" * 120, "Ünïcödé", "\u200b", "한국어", "...", "\n"]
    texts = ["".join(parts[i] for i in rng.integers(len(parts), size=rng.integers(100, 900))) for _ in range(300)]
    for text, row in zip(texts, our_ids(texts)):
        expected = tokenizer.encode(text)
        assert row["ids"] == expected.ids, repr(text[:80])
        assert row["truncated"] == bool(expected.overflowing)


def test_truncation_keeps_the_first_pieces(tokenizer):
    text = " ".join(["truncation"] * 50)
    tokenizer.enable_truncation(16)
    try:
        expected = tokenizer.encode(text)
    finally:
        tokenizer.enable_truncation(MAX_TOKENS)
    [row] = our_ids([text], max_tokens=16)
    assert row["ids"] == expected.ids and len(row["ids"]) == 16 and row["truncated"]


def test_fp32_equals_the_reference_forward_pass(client, reference):
    # One request per 16 texts: batches of mixed lengths, packed without padding by the node.
    worst = 0.0
    for start in range(0, len(SENTENCES), 16):
        embeddings, _ = embed(client, SENTENCES[start:start + 16], version="1")
        expected = reference[start:start + 16]
        assert embeddings.shape == expected.shape
        worst = max(worst, float(np.abs(embeddings - expected).max()))
    print(f"fp32 against the reference on {len(SENTENCES)} texts: largest difference {worst:.2e}")
    assert worst < 1e-4


def test_int8_is_close_to_the_fp32_reference(client, reference):
    embeddings = np.concatenate([embed(client, SENTENCES[start:start + 16])[0] for start in range(0, len(SENTENCES), 16)])
    cosines = (embeddings * reference).sum(axis=1) / np.linalg.norm(embeddings, axis=1) / np.linalg.norm(reference, axis=1)
    print(f"int8 against the fp32 reference on {len(cosines)} texts: cosine min {cosines.min():.5f}, mean {cosines.mean():.5f}")
    assert cosines.min() >= 0.999, cosines.min()
    assert cosines.mean() >= 0.9995, cosines.mean()


def test_batching_does_not_change_an_embedding(client):
    alone, _ = embed(client, [SENTENCES[3]])
    together, _ = embed(client, [SENTENCES[0], SENTENCES[3], SENTENCES[-1]])
    assert np.abs(alone[0] - together[1]).max() < 1e-5


def test_truncated_texts_are_reported(client):
    long = SENTENCES[-1]
    embeddings, parameters = embed(client, ["short", long])
    assert embeddings.shape == (2, 384)
    assert parameters["edge_truncated_rows"].string_param == "1"
    _, parameters = embed(client, ["short"])
    assert "edge_truncated_rows" not in parameters


@pytest.mark.parametrize("texts, message", [
    ([""], "is empty"),
    ([b"caf\xc3"], "not valid UTF-8"),
    ([b"\xff\xfe bad"], "not valid UTF-8"),
])
def test_bad_texts_are_refused(client, texts, message):
    with pytest.raises(InferenceServerException) as error:
        embed(client, ["a fine text"] + texts)
    assert error.value.status() == "StatusCode.INVALID_ARGUMENT"
    assert message in error.value.message()
    # Nothing else affected: the next request is answered.
    assert embed(client, ["a fine text"])[0].shape == (1, 384)


def test_an_empty_batch_is_refused(client):
    text = grpcclient.InferInput("text", [0, 1], "BYTES")
    text.set_data_from_numpy(np.zeros((0, 1), dtype=np.object_))
    with pytest.raises(InferenceServerException) as error:
        client.infer("minilm", [text])
    assert error.value.status() == "StatusCode.INVALID_ARGUMENT"
    assert "batch size 0" in error.value.message()


def test_a_wrong_datatype_is_refused(client):
    text = grpcclient.InferInput("text", [1, 1], "FP32")
    text.set_data_from_numpy(np.zeros((1, 1), dtype=np.float32))
    with pytest.raises(InferenceServerException) as error:
        client.infer("minilm", [text])
    assert error.value.status() == "StatusCode.INVALID_ARGUMENT"
    assert "BYTES" in error.value.message()
