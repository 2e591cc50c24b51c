"""`edgeinfer top` against a running cluster while tritonclient sends through the router: every
node gets a row with its region and health, and the node serving the traffic shows a rate and
latencies."""
import os
import subprocess
import threading

import numpy as np
import tritonclient.grpc as grpcclient

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("EDGEINFER_BIN", os.path.join(ROOT, ".build", "debug"))


def test_top_shows_every_node_and_the_traffic(cluster):
    port = cluster.router.rsplit(":", 1)[1]
    stop = threading.Event()

    def load():
        client = grpcclient.InferenceServerClient(url=f"localhost:{port}", ssl=True, root_certificates=cluster.ca)
        pixels = grpcclient.InferInput("pixels", [1, 64], "FP32")
        pixels.set_data_from_numpy(np.zeros((1, 64), dtype=np.float32))
        for _ in range(5000):  # bounded; stopped once top has its frames
            if stop.is_set():
                break
            client.infer("digits", [pixels])
        client.close()

    sender = threading.Thread(target=load)
    sender.start()
    try:
        result = subprocess.run(
            [os.path.join(BIN, "edgeinfer"), "top", "--router", cluster.router, "--ca", cluster.ca,
             "--metrics", cluster.metrics["router"], "--frames", "3", "--interval", "1"],
            capture_output=True, text=True, timeout=60)
    finally:
        stop.set()
        sender.join()
    assert result.returncode == 0, result.stderr
    frames = result.stdout.strip().split("\n\n")
    assert len(frames) == 3, result.stdout
    # The node lines (a line naming a slow page may follow them).
    rows = {line.split()[0]: line.split() for line in frames[-1].splitlines()[2:] if line.startswith("node-")}
    assert set(rows) == {"node-1", "node-2"}, frames[-1]
    assert all(row[1] == "healthy" for row in rows.values())
    assert {row[2] for row in rows.values()} == {"eu-west", "us-east"}
    # From London the nearest node takes the traffic: a rate and two latencies.
    busy = [row for row in rows.values() if row[5] != "-" and float(row[5]) > 0]
    assert busy, frames[-1]
    assert float(busy[0][6]) > 0 and float(busy[0][7]) >= float(busy[0][6])


def test_top_refuses_a_page_it_cannot_read_and_reports_one_that_is_down(cluster):
    result = subprocess.run(
        [os.path.join(BIN, "edgeinfer"), "top", "--router", cluster.router, "--ca", cluster.ca,
         "--metrics", "ftp://example", "--frames", "1"],
        capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "--metrics must be the router's page, http://HOST:PORT/metrics, not 'ftp://example'" in result.stderr
    # A page that does not answer: the frame still shows the nodes, and says why it has no rates.
    result = subprocess.run(
        [os.path.join(BIN, "edgeinfer"), "top", "--router", cluster.router, "--ca", cluster.ca,
         "--metrics", "http://127.0.0.1:1/metrics", "--frames", "1"],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "node-1" in result.stdout and "metrics page:" in result.stdout
