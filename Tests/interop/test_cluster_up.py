"""`edgeinfer cluster up`, as someone trying failures by hand would use it: a child killed with
SIGKILL is reported and started again (`--restart on-failure`, the default) while the rest keep
serving; with `--restart no` it is reported and the rest keep serving."""
import os
import queue
import signal
import subprocess
import threading
import time

from conftest import BIN, ROOT, interrupt


class ClusterUp:
    def __init__(self, folder, *extra):
        self.folder = folder
        self.process = subprocess.Popen(
            [os.path.join(BIN, "edgeinfer"), "cluster", "up", "--nodes", "2", "--routers", "1", "--dir", folder,
             "--models", os.path.join(ROOT, "models"), *extra],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.router = None
        self.wait_for(lambda line: line.startswith("Ctrl-C"), 120)

    def _read(self):
        for line in self.process.stdout:
            if line.startswith("router "):
                self.router = line.split()[1]
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, predicate, timeout):
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            seen.append(line)
            if predicate(line):
                return line
        raise AssertionError(f"not seen within {timeout} s; output: {seen}")

    def pid_of(self, name):
        """The pid of this cluster's child `name` (its command line names this folder)."""
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    arguments = f.read().split(b"\0")
            except OSError:
                continue
            if self.folder.encode() in b" ".join(arguments) and b"--id" in arguments \
                    and arguments[arguments.index(b"--id") + 1] == name.encode():
                return int(entry)
        raise AssertionError(f"{name} is not running")

    def healthy_nodes(self):
        out = subprocess.run(
            [os.path.join(BIN, "edgeinfer"), "nodes", "--router", self.router,
             "--ca", os.path.join(self.folder, "certs", "ca.pem")],
            capture_output=True, text=True, timeout=20).stdout
        return {line.split("\t")[0] for line in out.splitlines() if "\thealthy\t" in line}

    def stop(self):
        interrupt(self.process)


def wait_until(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_a_killed_node_is_restarted_and_the_rest_keep_serving(tmp_path):
    cluster = ClusterUp(str(tmp_path))
    try:
        first = cluster.pid_of("node-1")
        os.kill(first, signal.SIGKILL)
        cluster.wait_for(lambda line: line.startswith("node-1 was killed by signal 9; restarting in"), 10)
        # The other node serves throughout, and the cluster keeps running.
        assert "node-2" in cluster.healthy_nodes()
        cluster.wait_for(lambda line: line == "node-1 restarted", 15)
        assert cluster.pid_of("node-1") != first
        assert wait_until(lambda: cluster.healthy_nodes() == {"node-1", "node-2"}, 30)
        assert cluster.process.poll() is None
    finally:
        cluster.stop()


def test_without_restarts_a_death_is_reported_and_the_rest_keep_serving(tmp_path):
    cluster = ClusterUp(str(tmp_path), "--restart", "no")
    try:
        os.kill(cluster.pid_of("node-2"), signal.SIGKILL)
        cluster.wait_for(lambda line: line.startswith("node-2 was killed by signal 9; not restarted"), 10)
        assert wait_until(lambda: cluster.healthy_nodes() == {"node-1"}, 30)
        assert cluster.process.poll() is None
    finally:
        cluster.stop()
