"""Every metrics page of a running cluster (`edgeinfer cluster up`) read by Prometheus' own
Python client parser, after inference through the router with the published tritonclient: the
pages parse, histograms are well formed, and the figures show the requests that were sent."""
import urllib.request

import numpy as np
import tritonclient.grpc as grpcclient
from prometheus_client.parser import text_string_to_metric_families


def scrape(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return {family.name: family for family in text_string_to_metric_families(response.read().decode())}


def samples(family, **labels):
    return [s for s in family.samples if all(s.labels.get(k) == v for k, v in labels.items())]


def send_digits(cluster, count):
    port = cluster.router.rsplit(":", 1)[1]
    client = grpcclient.InferenceServerClient(url=f"localhost:{port}", ssl=True, root_certificates=cluster.ca)
    for _ in range(count):
        pixels = grpcclient.InferInput("pixels", [1, 64], "FP32")
        pixels.set_data_from_numpy(np.zeros((1, 64), dtype=np.float32))
        client.infer("digits", [pixels])
    client.close()


def check_histograms(families):
    """Buckets grow with `le`, the +Inf bucket equals the count."""
    for family in families.values():
        if family.type != "histogram":
            continue
        series = {}
        for sample in family.samples:
            key = tuple(sorted((k, v) for k, v in sample.labels.items() if k != "le"))
            series.setdefault(key, {"buckets": [], "count": None})
            if sample.name.endswith("_bucket"):
                series[key]["buckets"].append((float(sample.labels["le"]), sample.value))
            elif sample.name.endswith("_count"):
                series[key]["count"] = sample.value
        for key, found in series.items():
            buckets = sorted(found["buckets"])
            assert buckets, f"{family.name}{key} has no buckets"
            assert all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])), f"{family.name}{key} buckets decrease"
            assert buckets[-1][0] == float("inf") and buckets[-1][1] == found["count"], f"{family.name}{key}"


def test_every_page_parses_and_counts_the_requests(cluster):
    assert {"router", "node-1", "node-2"} <= set(cluster.metrics), cluster.metrics
    for url in cluster.metrics.values():
        check_histograms(scrape(url))
    before = scrape(cluster.metrics["router"])
    answered = samples(before["edge_router_requests"], model="digits", code="OK") if "edge_router_requests" in before else []
    start = sum(s.value for s in answered if s.name == "edge_router_requests_total")
    send_digits(cluster, 5)

    router = scrape(cluster.metrics["router"])
    check_histograms(router)
    ok = [s for s in samples(router["edge_router_requests"], model="digits", code="OK") if s.name == "edge_router_requests_total"]
    assert sum(s.value for s in ok) == start + 5
    assert router["edge_router_routing_seconds"].type == "histogram"
    assert router["edge_router_panic"].samples[0].value == 0
    assert {s.labels["node"] for s in router["edge_router_node_in_rotation"].samples} == {"node-1", "node-2"}
    assert router["process_cpu_seconds"].samples[0].value > 0
    assert router["process_resident_memory_bytes"].samples[0].value > 1e6

    served = 0
    for node in ("node-1", "node-2"):
        page = scrape(cluster.metrics[node])
        check_histograms(page)
        assert page["edge_node_info"].samples[0].labels["node"] == node
        assert page["edge_node_capacity"].samples[0].value > 0
        served += sum(
            s.value for s in samples(page["edge_node_requests"], model="digits", code="OK")
            if s.name == "edge_node_requests_total") if "edge_node_requests" in page else 0
    assert served >= start + 5
