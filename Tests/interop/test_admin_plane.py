"""The admin plane on real processes, through the published `tritonclient.grpc`, unchanged: scoped
credentials (infer keys cannot load or unload, admin keys and the admin certificate can), audit
records without secrets, per-model conditions that never bench a node, usage metering that survives
a router restart, and residency bounds that refuse rather than leave their regions.

One router with API keys, an audit log and a usage log, and three nodes (two in eu-west, one in
us-east), each serving two models: `digits` and a copy named `digits-b`. The module makes its own
certificates and keys and does not use the session cluster. The residency test kills two nodes and
runs last."""
import json
import os
import signal
import socket
import subprocess
import time

import numpy as np
import pytest
import tritonclient.grpc as grpcclient
from tritonclient.utils import InferenceServerException

from conftest import BIN, ROOT

UNSERVED = ("StatusCode.UNAVAILABLE", "StatusCode.NOT_FOUND")
NODES = {
    "node-1": ("eu-west", "48.86,2.35"),
    "node-2": ("eu-west", "52.37,4.90"),
    "node-3": ("us-east", "40.71,-74.01"),
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def edgeinfer(*arguments, check=True, timeout=30):
    return subprocess.run([os.path.join(BIN, "edgeinfer"), *arguments], check=check, capture_output=True,
                          text=True, timeout=timeout)


def create_key(keys, name, *extra):
    return edgeinfer("keys", "create", "--file", keys, "--name", name, *extra).stdout.strip().splitlines()[-1]


def make_models(folder):
    """`digits`, linked, and `digits-b`: the same files under another name."""
    original = os.path.join(ROOT, "models", "digits")
    os.makedirs(folder)
    os.symlink(original, os.path.join(folder, "digits"))
    copy = os.path.join(folder, "digits-b")
    os.makedirs(copy)
    for entry in os.listdir(original):
        if entry != "config.pbtxt":
            os.symlink(os.path.join(original, entry), os.path.join(copy, entry))
    with open(os.path.join(original, "config.pbtxt")) as f:
        config = f.read()
    assert 'name: "digits"' in config
    with open(os.path.join(copy, "config.pbtxt"), "w") as f:
        f.write(config.replace('name: "digits"', 'name: "digits-b"'))


def pixels():
    tensor = grpcclient.InferInput("pixels", [1, 64], "FP32")
    tensor.set_data_from_numpy(np.zeros((1, 64), dtype=np.float32))
    return tensor


def bearer(key, **extra):
    headers = {"authorization": f"Bearer {key}"}
    headers.update(extra)
    return headers


def status(call):
    with pytest.raises(InferenceServerException) as error:
        call()
    return str(error.value.status()), error.value.message()


def parameter(result, name):
    return result.get_response().parameters[name].string_param


class Fleet:
    def __init__(self, folder):
        self.folder = folder
        self.certs = os.path.join(folder, "certs")
        edgeinfer("certs", "init", "--out", self.certs, "--nodes", "3")
        self.ca = os.path.join(self.certs, "ca.pem")
        self.models = os.path.join(folder, "models")
        make_models(self.models)
        self.keys_file = os.path.join(folder, "keys.json")
        self.reader = create_key(self.keys_file, "reader", "--scope", "infer")
        self.operator = create_key(self.keys_file, "operator", "--scope", "admin")
        self.eu_app = create_key(self.keys_file, "eu-app", "--scope", "infer", "--regions", "eu-west")
        self.audit_log = os.path.join(folder, "audit.log")
        self.usage_log = os.path.join(folder, "usage.log")
        self.log_path = os.path.join(folder, "processes.log")
        self.log = open(self.log_path, "a")
        self.port, self.cluster_port = free_port(), free_port()
        self.router = None
        self.nodes = {}
        self.client = None
        try:
            self.start_router()
            for name, (region, location) in NODES.items():
                self.nodes[name] = subprocess.Popen(
                    [os.path.join(BIN, "edge-node"), "--id", name, "--region", region, "--location", location,
                     "--listen", f"127.0.0.1:{free_port()}", "--models", self.models,
                     "--router", f"127.0.0.1:{self.cluster_port}", "--ca", self.ca,
                     "--cert", os.path.join(self.certs, f"{name}.pem"),
                     "--key", os.path.join(self.certs, f"{name}-key.pem")],
                    stdout=self.log, stderr=subprocess.STDOUT)
            self.client = grpcclient.InferenceServerClient(url=f"localhost:{self.port}", ssl=True,
                                                           root_certificates=self.ca)
            self.wait_ready(timeout=90)
        except BaseException:
            self.stop()
            raise

    def start_router(self):
        self.router = subprocess.Popen(
            [os.path.join(BIN, "edge-router"), "--id", "router", "--location", "50.11,8.68",
             "--listen", f"127.0.0.1:{self.port}", "--cluster-listen", f"127.0.0.1:{self.cluster_port}",
             "--ca", self.ca, "--cert", os.path.join(self.certs, "router.pem"),
             "--key", os.path.join(self.certs, "router-key.pem"), "--api-keys", self.keys_file,
             "--audit-log", self.audit_log, "--usage-log", self.usage_log,
             "--heartbeat-expiry-ms", "1000", "--heartbeat-interval-ms", "250"],
            stdout=self.log, stderr=subprocess.STDOUT)

    def restart_router(self):
        self.router.terminate()
        self.router.wait(timeout=15)
        self.start_router()
        self.wait_ready(timeout=60)

    def healthy_nodes(self):
        try:
            out = edgeinfer("nodes", "--router", f"127.0.0.1:{self.port}", "--ca", self.ca,
                            "--api-key", self.reader, "--timeout-ms", "3000", check=False, timeout=10).stdout
        except subprocess.TimeoutExpired:
            return set()
        return {line.split("\t")[0] for line in out.splitlines() if "\thealthy\t" in line}

    def wait_ready(self, timeout, models=("digits", "digits-b")):
        """Until the router answers for every model and knows every node healthy."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                ready = all(self.client.is_model_ready(model, headers=bearer(self.reader), client_timeout=3)
                            for model in models)
            except InferenceServerException:
                ready = False
            if ready and self.healthy_nodes() >= set(NODES):
                return
            for name, process in [("router", self.router), *self.nodes.items()]:
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited ({process.returncode}); log in {self.log_path}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"fleet not ready in {timeout} s; log in {self.log_path}")
            time.sleep(0.3)

    def infer(self, model, key, **extra):
        return self.client.infer(model, [pixels()], headers=bearer(key, **extra), client_timeout=5)

    def wait_served(self, model, key, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.infer(model, key)
            except InferenceServerException:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.1)

    def log_offset(self):
        self.log.flush()
        return os.path.getsize(self.log_path)

    def log_since(self, offset):
        self.log.flush()
        with open(self.log_path, errors="replace") as f:
            f.seek(offset)
            return f.read()

    def usage(self, *extra):
        out = edgeinfer("usage", "--router", f"127.0.0.1:{self.cluster_port}", "--ca", self.ca, "--json", *extra).stdout
        return json.loads(out)

    def stop(self):
        if self.client is not None:
            self.client.close()
        processes = [p for p in [self.router, *self.nodes.values()] if p is not None]
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.log.close()


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    running = Fleet(str(tmp_path_factory.mktemp("admin-plane")))
    yield running
    running.stop()


def row(usage, credential, model):
    for entry in usage["usage"]:
        if entry["credential"] == credential and entry["model"] == model:
            return entry
    return {"requests": 0, "rows": 0, "input_bytes": 0, "output_bytes": 0, "compute_us": 0}


def audit_records(fleet):
    with open(fleet.audit_log) as f:
        return [json.loads(line) for line in f if line.strip()]


def test_both_models_load_on_every_node(fleet):
    ready = [line for line in fleet.log_since(0).splitlines() if line.endswith("model ready")]
    for name in NODES:
        for model in ("digits", "digits-b"):
            assert any(f"model={model} node={name} " in line for line in ready), ready
    for model in ("digits", "digits-b"):
        result = fleet.infer(model, fleet.reader)
        assert result.as_numpy("probabilities").shape == (1, 10)
        assert parameter(result, "edge_node") in NODES


def test_infer_key_cannot_change_the_fleet(fleet):
    reader = bearer(fleet.reader)
    for call in (lambda: fleet.client.unload_model("digits", headers=reader),
                 lambda: fleet.client.load_model("digits", headers=reader)):
        code, message = status(call)
        assert code == "StatusCode.PERMISSION_DENIED", message
        assert "scope" in message and "admin" in message, message
    assert fleet.infer("digits", fleet.reader).as_numpy("class").shape == (1, 1)


def test_admin_key_unloads_and_loads(fleet):
    operator = bearer(fleet.operator)
    fleet.client.unload_model("digits-b", headers=operator)
    code, message = status(lambda: fleet.infer("digits-b", fleet.reader))
    assert code in UNSERVED, message
    fleet.client.load_model("digits-b", headers=operator)
    assert fleet.wait_served("digits-b", fleet.reader, timeout=10).as_numpy("class").shape == (1, 1)


def test_unloading_one_model_never_costs_another(fleet):
    """The outage: one model's failures must not bench the nodes that serve the other."""
    offset = fleet.log_offset()
    fleet.client.unload_model("digits", headers=bearer(fleet.operator))
    digits_codes, served, failed = [], 0, []
    end = time.monotonic() + 3
    while time.monotonic() < end:
        try:
            fleet.infer("digits", fleet.reader)
            digits_codes.append("OK")
        except InferenceServerException as error:
            digits_codes.append(str(error.status()))
        try:
            fleet.infer("digits-b", fleet.reader)
            served += 1
        except InferenceServerException as error:
            failed.append((str(error.status()), error.message()))
    assert not failed, failed[:5]
    assert served >= 50, served
    assert digits_codes and set(digits_codes) <= set(UNSERVED), sorted(set(digits_codes))
    fleet.client.load_model("digits", headers=bearer(fleet.operator))
    fleet.wait_served("digits", fleet.reader, timeout=10)
    panics = [line for line in fleet.log_since(offset).splitlines() if "panic" in line.lower()]
    assert not panics, panics[:5]


def test_audit_log_records_admin_calls_without_secrets(fleet):
    records = audit_records(fleet)
    if not any(r.get("credential") == "reader" and r.get("result", "").startswith("PERMISSION_DENIED")
               for r in records):
        status(lambda: fleet.client.unload_model("digits", headers=bearer(fleet.reader)))
    if not any(r.get("credential") == "operator" and r.get("method", "").endswith("RepositoryModelUnload")
               and r.get("model") == "digits" and r.get("result") == "OK" for r in records):
        fleet.client.unload_model("digits", headers=bearer(fleet.operator))
        fleet.client.load_model("digits", headers=bearer(fleet.operator))
        fleet.wait_served("digits", fleet.reader, timeout=10)
    deadline = time.monotonic() + 5
    while True:
        records = audit_records(fleet)
        unloads = [r for r in records if r.get("credential") == "operator"
                   and r.get("method", "").endswith("RepositoryModelUnload")
                   and r.get("model") == "digits" and r.get("result") == "OK"]
        denials = [r for r in records if r.get("credential") == "reader"
                   and r.get("result", "").startswith("PERMISSION_DENIED")]
        if (unloads and denials) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert unloads, records
    assert denials, records
    for record in records:
        assert {"time", "credential", "peer", "listener", "method", "model", "version", "result"} <= set(record), record
    with open(fleet.audit_log) as f:
        text = f.read()
    logs = fleet.log_since(0)
    for key in (fleet.reader, fleet.operator, fleet.eu_app):
        # ei_<id>_<secret>: the secret is base64url and may itself hold "_".
        secret = key.split("_", 2)[2]
        assert len(secret) == 43, key
        assert secret not in text
        assert secret not in logs


def test_usage_is_metered_and_survives_a_restart(fleet):
    before = row(fleet.usage(), "reader", "digits-b")
    for _ in range(5):
        fleet.infer("digits-b", fleet.reader)
    usage = fleet.usage()
    assert {"routers", "since_unix_seconds", "usage"} <= set(usage), usage
    after = row(usage, "reader", "digits-b")
    assert after["requests"] == before["requests"] + 5, (before, after)
    assert after["rows"] == before["rows"] + 5, (before, after)
    assert after["input_bytes"] == before["input_bytes"] + 5 * 64 * 4, (before, after)
    assert after["output_bytes"] > before["output_bytes"], (before, after)
    assert after["compute_us"] >= before["compute_us"] >= 0, (before, after)

    client_listener = ["usage", "--router", f"127.0.0.1:{fleet.port}", "--ca", fleet.ca]
    refused = edgeinfer(*client_listener, "--api-key", fleet.reader, check=False)
    assert refused.returncode != 0, refused.stdout
    assert "scope" in refused.stderr, refused.stderr
    allowed = edgeinfer(*client_listener, "--api-key", fleet.operator, "--json", check=False)
    assert allowed.returncode == 0, allowed.stderr
    assert row(json.loads(allowed.stdout), "reader", "digits-b")["requests"] >= after["requests"]

    assert row(fleet.usage("--since", "1h"), "reader", "digits-b")["requests"] >= 5

    fleet.restart_router()
    restarted = row(fleet.usage(), "reader", "digits-b")
    assert restarted["requests"] >= after["requests"], (after, restarted)
    assert restarted["rows"] >= after["rows"], (after, restarted)


def test_admin_certificate_on_the_cluster_listener(fleet):
    listed = edgeinfer("models", "list", "--router", f"127.0.0.1:{fleet.cluster_port}", "--ca", fleet.ca,
                       "--model", "digits", check=False)
    assert listed.returncode == 0, listed.stderr
    for name in NODES:
        lines = [line.split() for line in listed.stdout.splitlines() if line.split()[:1] == [name]]
        assert any("digits" in fields and "READY" in fields for fields in lines), listed.stdout

    def cluster_client(name):
        return grpcclient.InferenceServerClient(
            url=f"localhost:{fleet.cluster_port}", ssl=True, root_certificates=fleet.ca,
            private_key=os.path.join(fleet.certs, f"{name}-key.pem"),
            certificate_chain=os.path.join(fleet.certs, f"{name}.pem"))

    node = cluster_client("node-1")
    try:
        code, message = status(lambda: node.unload_model("digits"))
        assert code == "StatusCode.PERMISSION_DENIED", message
    finally:
        node.close()
    fleet.infer("digits", fleet.reader)

    admin = cluster_client("admin")
    try:
        admin.unload_model("digits")
        code, message = status(lambda: fleet.infer("digits", fleet.reader))
        assert code in UNSERVED, message
        admin.load_model("digits")
    finally:
        admin.close()
    fleet.wait_served("digits", fleet.reader, timeout=10)


def test_residency(fleet):
    """Last: it kills node-1 and node-2."""
    for _ in range(30):
        assert parameter(fleet.infer("digits-b", fleet.eu_app), "edge_region") == "eu-west"
    code, message = status(lambda: fleet.infer("digits-b", fleet.eu_app, **{"x-edge-residency": "us-east"}))
    assert code == "StatusCode.PERMISSION_DENIED", message
    assert parameter(fleet.infer("digits-b", fleet.reader, **{"x-edge-residency": "eu-west"}),
                     "edge_region") == "eu-west"

    for name in ("node-1", "node-2"):
        fleet.nodes[name].send_signal(signal.SIGKILL)
    killed = time.monotonic()
    for name in ("node-1", "node-2"):
        fleet.nodes[name].wait(timeout=10)

    leaked, early, bound_codes, unbound_regions, unbound_failures = [], [], [], [], []
    end = killed + 4
    while time.monotonic() < end:
        settled = time.monotonic() - killed >= 1.5
        try:
            region = parameter(fleet.infer("digits-b", fleet.eu_app), "edge_region")
            if region != "eu-west":
                leaked.append(region)
            elif settled:
                bound_codes.append(("OK", region))
        except InferenceServerException as error:
            if settled:
                bound_codes.append((str(error.status()), error.message()))
            else:
                early.append(str(error.status()))
        try:
            region = parameter(fleet.infer("digits-b", fleet.reader), "edge_region")
            if settled:
                unbound_regions.append(region)
        except InferenceServerException as error:
            if settled:
                unbound_failures.append((str(error.status()), error.message()))
    assert not leaked, leaked
    assert set(early) <= {"StatusCode.UNAVAILABLE", "StatusCode.FAILED_PRECONDITION"}, early
    assert bound_codes, "no bound request after the nodes expired"
    for code, message in bound_codes:
        assert code == "StatusCode.FAILED_PRECONDITION", (code, message)
        assert "eu-west" in message, message
    assert not unbound_failures, unbound_failures[:5]
    assert unbound_regions and set(unbound_regions) == {"us-east"}, unbound_regions
