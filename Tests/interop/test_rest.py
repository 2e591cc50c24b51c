"""The Open Inference Protocol's REST binding on the router (KServe v2, as Triton serves it),
with the published `tritonclient.http`, unchanged, over HTTPS with the cluster's CA: health,
server metadata, and infer with JSON tensors and with Triton's binary tensor data extension,
answering the same bytes as `tritonclient.grpc`; errors as HTTP statuses with `{"error": ...}`."""
import json
import ssl
import urllib.error
import urllib.request

import numpy as np
import pytest
import tritonclient.grpc as grpcclient
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException


@pytest.fixture(scope="module")
def rest(cluster):
    (router, address), = list(cluster.http.items())[:1]
    url = address.removeprefix("https://")
    client = httpclient.InferenceServerClient(
        url=url, ssl=True, ssl_context_factory=lambda: ssl.create_default_context(cafile=cluster.ca))
    yield client, url
    client.close()


def pixels(rows=3):
    return np.random.RandomState(7).rand(rows, 64).astype(np.float32)


def grpc_answer(cluster, data):
    client = grpcclient.InferenceServerClient(url=cluster.router, ssl=True, root_certificates=cluster.ca)
    tensor = grpcclient.InferInput("pixels", list(data.shape), "FP32")
    tensor.set_data_from_numpy(data)
    answer = client.infer("digits", [tensor])
    client.close()
    return answer


def test_health_and_server_metadata(rest):
    client, _ = rest
    assert client.is_server_live()
    assert client.is_server_ready()
    metadata = client.get_server_metadata()
    assert metadata["name"] == "edgeinfer" and "model_repository" in metadata["extensions"]


@pytest.mark.parametrize("binary", [True, False])
def test_infer_answers_what_grpc_answers(rest, cluster, binary):
    client, _ = rest
    data = pixels()
    tensor = httpclient.InferInput("pixels", list(data.shape), "FP32")
    tensor.set_data_from_numpy(data, binary_data=binary)
    outputs = [httpclient.InferRequestedOutput("probabilities", binary_data=binary), httpclient.InferRequestedOutput("class", binary_data=binary)]
    answer = client.infer("digits", [tensor], request_id="rest-1", outputs=outputs)
    expected = grpc_answer(cluster, data)
    assert np.array_equal(answer.as_numpy("probabilities"), expected.as_numpy("probabilities"))
    assert np.array_equal(answer.as_numpy("class"), expected.as_numpy("class"))
    response = answer.get_response()
    assert response["id"] == "rest-1" and response["model_name"] == "digits"
    assert response["parameters"]["edge_node"] in cluster.nodes
    assert len(response["parameters"]["edge_trace_id"]) == 32
    # With no outputs named, every output comes back (binary, as tritonclient asks by default).
    default = client.infer("digits", [tensor])
    assert np.array_equal(default.as_numpy("probabilities"), expected.as_numpy("probabilities"))


def status_of(url, ca, body, path="/v2/models/digits/infer", headers=None):
    request = urllib.request.Request(f"https://{url}{path}", data=body, method="POST", headers=headers or {})
    try:
        with urllib.request.urlopen(request, context=ssl.create_default_context(cafile=ca), timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_bad_input_gets_a_clear_error_and_the_right_status(rest, cluster):
    client, url = rest
    with pytest.raises(InferenceServerException) as unknown:
        tensor = httpclient.InferInput("pixels", [1, 64], "FP32")
        tensor.set_data_from_numpy(pixels(1))
        client.infer("no-such-model", [tensor])
    assert unknown.value.status() == "404"
    cases = [
        (b"not json", 400, "not a JSON object"),
        (b'{"inputs": []}', 400, "non-empty array"),
        (b'{"inputs": [{"name": "pixels", "shape": [1, 64], "datatype": "FP32", "data": [true]}]}', 400, "not a valid FP32"),
        (b'{"inputs": [{"name": "pixels", "shape": [1, -64], "datatype": "FP32", "data": [1]}]}', 400, "non-negative"),
        (b'{"inputs": [{"name": "pixels", "shape": [1, 64], "datatype": "FP32", "parameters": {"binary_data_size": 999}}]}', 400,
         "binary_data_size"),
        # Shape and data that disagree are the node's to refuse, as over gRPC.
        (b'{"inputs": [{"name": "pixels", "shape": [1, 64], "datatype": "FP32", "data": [1, 2]}]}', 400, "pixels"),
    ]
    for body, status, message in cases:
        got, answer = status_of(url, cluster.ca, body)
        assert got == status and message in answer["error"], (body, got, answer)
    got, answer = status_of(url, cluster.ca, b"{}", headers={"Content-Encoding": "gzip"})
    assert got == 415 and "uncompressed" in answer["error"]
    got, answer = status_of(url, cluster.ca, b"{}", headers={"Inference-Header-Content-Length": "99999"})
    assert got == 400 and "beyond the body" in answer["error"]
