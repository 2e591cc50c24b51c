"""`--log-format json` on the real binaries: every line a JSON object with time, level, logger and
message, and at debug level an access line per request on the router and on the node, both with
the client's W3C trace id; a format that does not exist is refused with a clear message."""
import json
import os
import signal
import subprocess
import tempfile
import threading
import time

import numpy as np
import tritonclient.grpc as grpcclient

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("EDGEINFER_BIN", os.path.join(ROOT, ".build", "debug"))


def test_router_and_node_write_json_lines():
    with tempfile.TemporaryDirectory() as folder:
        ready = os.path.join(folder, "router.json")
        router = subprocess.Popen(
            [os.path.join(BIN, "edge-router"), "--insecure", "--location", "50.11,8.68", "--listen", "127.0.0.1:0",
             "--cluster-listen", "127.0.0.1:0", "--ready-file", ready, "--log-format", "json", "--log-level", "debug"],
            stderr=subprocess.PIPE, text=True)
        node = None
        started = []

        def watchdog():
            # A line that never comes must fail the test, not hang it: the processes are stopped,
            # readline() then returns "" and json.loads fails.
            for process in [router] + started:
                process.kill()

        timer = threading.Timer(60, watchdog)
        timer.start()
        try:
            deadline = time.monotonic() + 30
            while not os.path.exists(ready) and time.monotonic() < deadline:
                time.sleep(0.05)
            cluster = json.load(open(ready))["cluster"]
            node = subprocess.Popen(
                [os.path.join(BIN, "edge-node"), "--insecure", "--id", "node-1", "--location", "48.85,2.35",
                 "--listen", "127.0.0.1:0", "--models", os.path.join(ROOT, "models"), "--router", cluster,
                 "--log-format", "json", "--log-level", "debug", "--metrics-listen", "0"],
                stderr=subprocess.PIPE, text=True)
            started.append(node)
            for process in (router, node):
                line = process.stderr.readline()
                while line and "serving" not in line:
                    json.loads(line)  # every line before it is JSON too
                    line = process.stderr.readline()
                entry = json.loads(line)
                assert entry["message"] == "serving"
                assert entry["level"] == "info"
                assert entry["logger"] in ("edge-router", "edge-node")
                assert entry["time"].endswith("Z")
                # Each names the addresses it serves, its metrics page among them when it has one.
                assert ("metrics" in entry) == (process is node), entry
            clients = json.load(open(ready))["clients"]
            client = grpcclient.InferenceServerClient(url=clients)
            pixels = grpcclient.InferInput("pixels", [1, 64], "FP32")
            pixels.set_data_from_numpy(np.zeros((1, 64), dtype=np.float32))
            deadline = time.monotonic() + 30
            while True:
                try:
                    client.infer("digits", [pixels], request_id="req-\nforged",
                                 headers={"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"})
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            for process, fields in ((router, {"node": "node-1"}), (node, {"queue_us": None, "compute_us": None})):
                entry = None
                while True:
                    entry = json.loads(process.stderr.readline())
                    if entry["message"] == "answered":
                        break
                assert entry["model"] == "digits" and entry["code"] == "OK", entry
                assert entry["id"] == "req-?forged", entry
                # The client's trace reaches the node through the router.
                assert entry["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736", entry
                assert int(entry["total_us"]) > 0
                for key, value in fields.items():
                    assert key in entry and (value is None or entry[key] == value), entry
        finally:
            timer.cancel()
            for process in (node, router):
                if process:
                    process.send_signal(signal.SIGTERM)
                    process.wait(timeout=20)


def test_an_unknown_format_is_refused():
    result = subprocess.run([os.path.join(BIN, "edge-router"), "--location", "0,0", "--log-format", "xml"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "--log-format must be text or json, not 'xml'" in result.stderr
