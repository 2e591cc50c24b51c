"""The published `tritonclient` package against an EdgeInfer router and node over TLS, unchanged:
health, metadata, configuration, statistics, repository index, and inference with numpy arrays
compared with an independent numpy forward pass of the same safetensors weights."""
import json
import os

import numpy as np
import pytest
import tritonclient.grpc as grpcclient
from tritonclient.utils import InferenceServerException

from safetensors_numpy import load_safetensors

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODELS = os.path.join(ROOT, "models")


def reference_forward(pixels):
    weights = load_safetensors(os.path.join(MODELS, "digits", "1", "model.safetensors"))
    x = pixels.astype(np.float64)
    layers = sum(1 for name in weights if name.endswith(".weight"))
    for i in range(layers):
        x = x @ weights[f"layers.{i}.weight"].T.astype(np.float64) + weights[f"layers.{i}.bias"]
        if i < layers - 1:
            x = np.maximum(x, 0)
    x = np.exp(x - x.max(axis=1, keepdims=True))
    return x / x.sum(axis=1, keepdims=True)


@pytest.fixture(scope="module")
def split():
    with open(os.path.join(MODELS, "digits", "test_split.json")) as f:
        data = json.load(f)
    return np.array(data["inputs"], dtype=np.float32), np.array(data["labels"])


def client_for(cluster, target):
    address = cluster.router if target == "router" else cluster.nodes["node-1"]
    port = address.rsplit(":", 1)[1]
    # Nodes require a cluster client certificate; the router accepts any TLS client. Both are
    # verified against the cluster CA under the name "localhost".
    kwargs = dict(root_certificates=cluster.ca)
    if target == "node":
        kwargs.update(private_key=cluster.client_key, certificate_chain=cluster.client_cert)
    return grpcclient.InferenceServerClient(url=f"localhost:{port}", ssl=True, **kwargs)


@pytest.fixture(params=["router", "node"])
def client(request, cluster):
    c = client_for(cluster, request.param)
    yield c
    c.close()


def test_live_and_ready(client):
    assert client.is_server_live()
    assert client.is_server_ready()
    assert client.is_model_ready("digits")
    assert not client.is_model_ready("no-such-model")


def test_server_metadata(client):
    metadata = client.get_server_metadata(as_json=True)
    assert metadata["name"] == "edgeinfer"
    assert "model_repository" in metadata["extensions"]


def test_model_metadata(client):
    metadata = client.get_model_metadata("digits", as_json=True)
    assert metadata["name"] == "digits"
    assert metadata["versions"] == ["1"]
    assert [(t["name"], t["datatype"], t["shape"]) for t in metadata["inputs"]] == [("pixels", "FP32", ["-1", "64"])]
    assert [t["name"] for t in metadata["outputs"]] == ["probabilities", "class"]


def test_model_config(client):
    config = client.get_model_config("digits", as_json=True)["config"]
    assert config["name"] == "digits"
    assert config["max_batch_size"] == 64
    assert config["input"][0]["data_type"] == "TYPE_FP32"
    assert config["input"][0]["dims"] == ["64"]


def test_infer_matches_the_reference_forward_pass(client, split):
    inputs, labels = split
    batch = inputs[:32]
    tensor = grpcclient.InferInput("pixels", list(batch.shape), "FP32")
    tensor.set_data_from_numpy(batch)
    outputs = [grpcclient.InferRequestedOutput("probabilities"), grpcclient.InferRequestedOutput("class")]
    result = client.infer("digits", [tensor], outputs=outputs)
    probabilities = result.as_numpy("probabilities")
    classes = result.as_numpy("class")
    assert probabilities.shape == (32, 10)
    assert classes.shape == (32, 1)
    np.testing.assert_allclose(probabilities, reference_forward(batch), atol=1e-5)
    np.testing.assert_array_equal(classes[:, 0], reference_forward(batch).argmax(axis=1))
    assert (classes[:, 0] == labels[:32]).mean() > 0.9
    parameters = result.get_response(as_json=True)["parameters"]
    assert parameters["edge_node"]["string_param"].startswith("node-")


def test_infer_with_the_whole_test_split(client, split):
    inputs, labels = split
    correct = 0
    for start in range(0, len(inputs), 64):
        batch = inputs[start:start + 64]
        tensor = grpcclient.InferInput("pixels", list(batch.shape), "FP32")
        tensor.set_data_from_numpy(batch)
        result = client.infer("digits", [tensor], outputs=[grpcclient.InferRequestedOutput("class")])
        correct += int((result.as_numpy("class")[:, 0] == labels[start:start + 64]).sum())
    assert correct / len(labels) > 0.95


def test_bad_input_is_refused_clearly(client):
    tensor = grpcclient.InferInput("pixels", [1, 63], "FP32")
    tensor.set_data_from_numpy(np.zeros((1, 63), dtype=np.float32))
    with pytest.raises(InferenceServerException) as error:
        client.infer("digits", [tensor])
    assert "StatusCode.INVALID_ARGUMENT" in str(error.value.status())
    assert "expects [batch, 64]" in error.value.message()
    wrong_type = grpcclient.InferInput("pixels", [1, 64], "FP64")
    wrong_type.set_data_from_numpy(np.zeros((1, 64), dtype=np.float64))
    with pytest.raises(InferenceServerException) as error:
        client.infer("digits", [wrong_type])
    assert "must be FP32" in error.value.message()
    with pytest.raises(InferenceServerException) as error:
        client.infer("missing-model", [tensor])
    assert "StatusCode.NOT_FOUND" in str(error.value.status())


def test_statistics_and_repository_index(client, split):
    inputs, _ = split
    tensor = grpcclient.InferInput("pixels", [2, 64], "FP32")
    tensor.set_data_from_numpy(inputs[:2])
    client.infer("digits", [tensor])
    stats = client.get_inference_statistics("digits", as_json=True)["model_stats"]
    assert stats[0]["name"] == "digits"
    assert int(stats[0]["inference_count"]) >= 2
    index = client.get_model_repository_index(as_json=True)["models"]
    assert {(m["name"], m.get("state")) for m in index} == {("digits", "READY"), ("minilm", "READY")}


def test_plaintext_is_refused(cluster):
    port = cluster.router.rsplit(":", 1)[1]
    plain = grpcclient.InferenceServerClient(url=f"localhost:{port}")
    with pytest.raises(InferenceServerException):
        plain.is_server_live(client_timeout=3)
