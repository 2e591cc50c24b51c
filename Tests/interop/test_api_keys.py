"""`tritonclient`, unchanged, against a router that requires API keys: the key goes in the
standard `authorization: Bearer` header that any gRPC client can send. A router with
`--api-keys` and a node of its own (the cluster's certificates) run beside the session cluster."""
import os
import socket
import subprocess
import time

import numpy as np
import pytest
import tritonclient.grpc as grpcclient
from tritonclient.utils import InferenceServerException

from conftest import BIN, ROOT, terminate


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create_key(keys, name, *extra):
    out = subprocess.run([os.path.join(BIN, "edgeinfer"), "keys", "create", "--file", keys, "--name", name, *extra],
                         check=True, capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


class KeyedRouter:
    def __init__(self, cluster, folder):
        certs = os.path.dirname(cluster.ca)
        keys = os.path.join(folder, "keys.json")
        self.key = create_key(keys, "interop")
        self.limited_key = create_key(keys, "limited", "--rate", "0.5", "--burst", "1")
        self.revoked_key = create_key(keys, "revoked")
        subprocess.run([os.path.join(BIN, "edgeinfer"), "keys", "revoke", "--file", keys, "--name", "revoked"],
                       check=True, capture_output=True)
        self.port, cluster_port, node_port, self.http_port = free_port(), free_port(), free_port(), free_port()
        logs = open(os.path.join(folder, "processes.log"), "w")
        self.processes = [
            subprocess.Popen([os.path.join(BIN, "edge-router"), "--location", "50.11,8.68",
                              "--listen", f"127.0.0.1:{self.port}", "--cluster-listen", f"127.0.0.1:{cluster_port}",
                              "--ca", cluster.ca, "--cert", os.path.join(certs, "router.pem"),
                              "--key", os.path.join(certs, "router-key.pem"), "--api-keys", keys,
                              "--http-listen", f"127.0.0.1:{self.http_port}"],
                             stdout=logs, stderr=subprocess.STDOUT),
            subprocess.Popen([os.path.join(BIN, "edge-node"), "--id", "node-1", "--location", "48.86,2.35",
                              "--listen", f"127.0.0.1:{node_port}", "--models", os.path.join(ROOT, "models"),
                              "--router", f"127.0.0.1:{cluster_port}", "--ca", cluster.ca,
                              "--cert", os.path.join(certs, "node-1.pem"), "--key", os.path.join(certs, "node-1-key.pem"),
                              "--allow", "router", "--allow", "client"],
                             stdout=logs, stderr=subprocess.STDOUT),
        ]
        self.client = grpcclient.InferenceServerClient(url=f"localhost:{self.port}", ssl=True, root_certificates=cluster.ca)
        deadline = time.monotonic() + 90
        while True:
            try:
                if self.client.is_model_ready("digits", headers=self.headers(self.key), client_timeout=3):
                    break
            except InferenceServerException:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"keyed router and node did not start; log in {folder}/processes.log")
            time.sleep(0.3)

    @staticmethod
    def headers(key):
        return {"authorization": f"Bearer {key}"}

    def stop(self):
        self.client.close()
        terminate(self.processes)


@pytest.fixture(scope="module")
def keyed(cluster, tmp_path_factory):
    router = KeyedRouter(cluster, str(tmp_path_factory.mktemp("api-keys")))
    yield router
    router.stop()


def pixels():
    tensor = grpcclient.InferInput("pixels", [1, 64], "FP32")
    tensor.set_data_from_numpy(np.zeros((1, 64), dtype=np.float32))
    return tensor


def status(call):
    with pytest.raises(InferenceServerException) as error:
        call()
    return str(error.value.status()), error.value.message()


def test_a_valid_key_infers(keyed):
    result = keyed.client.infer("digits", [pixels()], headers=keyed.headers(keyed.key))
    assert result.as_numpy("probabilities").shape == (1, 10)


def test_missing_unknown_malformed_and_revoked_keys_are_unauthenticated(keyed):
    bogus = "ei_00000000_" + "A" * 43
    for headers in (None, keyed.headers(bogus), keyed.headers("not-a-key"), keyed.headers(keyed.revoked_key)):
        code, message = status(lambda: keyed.client.infer("digits", [pixels()], headers=headers))
        assert code == "StatusCode.UNAUTHENTICATED", message
    code, message = status(lambda: keyed.client.infer("digits", [pixels()]))
    assert "authorization: Bearer" in message
    # The key is never echoed back.
    code, message = status(lambda: keyed.client.infer("digits", [pixels()], headers=keyed.headers(keyed.revoked_key)))
    # The secret is everything after `ei_<8 hex>_` (base64url, which may itself hold '_').
    assert keyed.revoked_key.split("_", 2)[2] not in message


def test_a_limited_key_is_refused_with_pushback_and_others_are_not(keyed):
    limited = keyed.headers(keyed.limited_key)
    keyed.client.infer("digits", [pixels()], headers=limited)
    code, message = status(lambda: keyed.client.infer("digits", [pixels()], headers=limited))
    assert code == "StatusCode.RESOURCE_EXHAUSTED", message
    assert keyed.client.infer("digits", [pixels()], headers=keyed.headers(keyed.key)).as_numpy("class").shape == (1, 1)


def test_rest_takes_the_same_keys_and_health_needs_none(keyed, cluster):
    """The REST binding admits as the gRPC one does: a key in `Authorization: Bearer`, 401
    without one, 429 with Retry-After over its rate; `/v2/health/*` answers anyone."""
    import json
    import ssl
    import urllib.error
    import urllib.request

    context = ssl.create_default_context(cafile=cluster.ca)

    def call(path, key=None, body=None):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        request = urllib.request.Request(f"https://127.0.0.1:{keyed.http_port}{path}", data=body, headers=headers,
                                         method="POST" if body else "GET")
        try:
            with urllib.request.urlopen(request, context=context, timeout=10) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    assert call("/v2/health/live")[0] == 200
    assert call("/v2/health/ready")[0] == 200
    body = json.dumps({"inputs": [{"name": "pixels", "shape": [1, 64], "datatype": "FP32", "data": [0.0] * 64}]}).encode()
    status, _, answer = call("/v2/models/digits/infer", body=body)
    assert status == 401 and "authorization: Bearer" in json.loads(answer)["error"]
    assert call("/v2/models/digits/infer", key=keyed.revoked_key, body=body)[0] == 401
    status, _, answer = call("/v2/models/digits/infer", key=keyed.key, body=body)
    assert status == 200 and json.loads(answer)["outputs"][0]["name"] == "probabilities"
    # The limited key's one token went to the gRPC test or goes now; the next is refused.
    call("/v2/models/digits/infer", key=keyed.limited_key, body=body)
    status, headers, answer = call("/v2/models/digits/infer", key=keyed.limited_key, body=body)
    assert status == 429 and int(headers["Retry-After"]) >= 1, (status, answer)
