"""A standing local cluster (`edgeinfer cluster up`) for the interop tests: the real router and
node executables over TLS with a fresh private CA, stopped when the tests end."""
import os
import signal
import subprocess
import tempfile
import time

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("EDGEINFER_BIN", os.path.join(ROOT, ".build", "debug"))


class Cluster:
    def __init__(self, folder):
        self.folder = folder
        self.process = subprocess.Popen(
            [os.path.join(BIN, "edgeinfer"), "cluster", "up", "--nodes", "2", "--dir", folder,
             "--models", os.path.join(ROOT, "models")],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
        self.router = None
        self.nodes = {}
        self.metrics = {}
        self.dashboards = {}
        self.http = {}
        deadline = time.monotonic() + 120
        for line in self.process.stdout:
            fields = line.split()
            if fields[:1] == ["router"]:
                self.router = fields[1]
            elif fields[:1] == ["node"]:
                self.nodes[fields[1]] = fields[2]
            elif fields[:1] == ["metrics"]:
                self.metrics[fields[1]] = fields[2]
            elif fields[:1] == ["dashboard"]:
                self.dashboards[fields[1]] = fields[2]
            elif fields[:1] == ["http"]:
                self.http[fields[1]] = fields[2]
            elif line.startswith("Ctrl-C"):
                break
            if time.monotonic() > deadline:
                break
        if not self.router or len(self.nodes) != 2:
            self.stop()
            raise RuntimeError(f"cluster did not start; logs in {folder}/logs")
        certs = os.path.join(folder, "certs")
        self.ca = os.path.join(certs, "ca.pem")
        self.client_cert = os.path.join(certs, "client.pem")
        self.client_key = os.path.join(certs, "client-key.pem")

    def stop(self):
        interrupt(self.process)


def interrupt(process, timeout=20):
    """Stops a foreground command as Ctrl-C would (it stops its children), killing it after
    `timeout` seconds."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def terminate(processes, timeout=15):
    """Stops processes as an orchestrator would (SIGTERM, so they drain), killing any still
    running after `timeout` seconds."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def cluster():
    with tempfile.TemporaryDirectory(prefix="edgeinfer-interop-") as folder:
        running = Cluster(folder)
        try:
            yield running
        finally:
            running.stop()
