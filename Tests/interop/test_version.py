"""`--version` on every binary prints the release and the commit the sources were built from, the
same commit every metrics page reports as `edge_build_info`."""
import os
import subprocess
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("EDGEINFER_BIN", os.path.join(ROOT, ".build", "debug"))


def head():
    return subprocess.run(["git", "-C", ROOT, "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_every_binary_prints_its_version_and_commit():
    commit = head()
    for binary in ("edgeinfer", "edge-router", "edge-node", "edge-executor"):
        result = subprocess.run([os.path.join(BIN, binary), "--version"], capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
        version, _, stamp = result.stdout.strip().partition(" (commit ")
        assert version.count(".") == 2, result.stdout
        # Built from this checkout: its commit.
        assert stamp.rstrip(")") == commit, result.stdout


def test_metrics_pages_carry_the_build(cluster):
    commit = head()
    for url in cluster.metrics.values():
        families = {f.name: f for f in text_string_to_metric_families(urllib.request.urlopen(url, timeout=5).read().decode())}
        labels = families["edge_build_info"].samples[0].labels
        assert labels["commit"] == commit, labels
        assert labels["version"].count(".") == 2
