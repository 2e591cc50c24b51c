"""docker/compose.yaml is valid against the Compose Specification's JSON Schema and runs the
commands the demo runs (it is generated from the same topology; the Swift suite checks that
it is current)."""
import json
import os

import pytest
import yaml
from jsonschema import Draft7Validator

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCHEMA = os.environ.get("COMPOSE_SCHEMA", os.path.join(ROOT, "..", "shared", "schemas", "compose-spec.json"))


@pytest.fixture(scope="module")
def compose():
    with open(os.path.join(ROOT, "docker", "compose.yaml")) as f:
        return yaml.safe_load(f)


@pytest.mark.skipif(not os.path.exists(SCHEMA), reason="the Compose Specification schema is not beside this checkout")
def test_compose_file_is_valid(compose):
    with open(SCHEMA) as f:
        schema = json.load(f)
    errors = sorted(Draft7Validator(schema).iter_errors(compose), key=str)
    assert not errors, "\n".join(error.message for error in errors)


def test_topology(compose):
    services = compose["services"]
    assert set(services) == {"certs", "router", "router-2", "node-1", "node-2", "node-3", "prometheus", "grafana"}
    # Each router serves with a certificate of its own, named by its service.
    certs = services["certs"]["command"]
    assert certs[certs.index("--routers") + 1] == "2"
    assert "--host" not in certs
    for router in ("router", "router-2"):
        command = services[router]["command"]
        assert command[0] == "edge-router"
        assert command[command.index("--cert") + 1] == f"/certs/{router}.pem"
    for name in ("node-1", "node-2", "node-3"):
        command = services[name]["command"]
        assert command[0] == "edge-node"
        assert command[command.index("--id") + 1] == name
        routers = [command[i + 1] for i, arg in enumerate(command) if arg == "--router"]
        assert routers == ["router:7443", "router-2:7443"]
        # Inference only from the routers and the client certificate, not from other nodes.
        allowed = [command[i + 1] for i, arg in enumerate(command) if arg == "--allow"]
        assert allowed == ["router", "router-2", "client"]
    assert os.path.exists(os.path.join(ROOT, "docker", "Dockerfile"))


def test_prometheus_scrapes_every_service_and_grafana_has_its_dashboard(compose):
    services = compose["services"]
    for name in ("router", "router-2", "node-1", "node-2", "node-3"):
        command = services[name]["command"]
        assert command[command.index("--metrics-listen") + 1] == "0.0.0.0:9464"
        # Pages stay inside the compose network: no host port for them.
        assert all("9464" not in str(port) for port in services[name].get("ports", []))
    with open(os.path.join(ROOT, "docker", "prometheus.yml")) as f:
        prometheus = yaml.safe_load(f)
    targets = {job["job_name"]: job["static_configs"][0]["targets"] for job in prometheus["scrape_configs"]}
    assert targets == {"edge-router": ["router:9464", "router-2:9464"],
                       "edge-node": ["node-1:9464", "node-2:9464", "node-3:9464"]}
    assert "./prometheus.yml:/etc/prometheus/prometheus.yml:ro" in services["prometheus"]["volumes"]
    # Grafana and Prometheus listen on the host's loopback only.
    assert services["prometheus"]["ports"] == ["127.0.0.1:9090:9090"]
    assert services["grafana"]["ports"] == ["127.0.0.1:3000:3000"]
    with open(os.path.join(ROOT, "docker", "grafana", "provisioning", "datasources", "prometheus.yaml")) as f:
        source = yaml.safe_load(f)["datasources"][0]
    assert source["url"] == "http://prometheus:9090" and source["uid"] == "prometheus"
    with open(os.path.join(ROOT, "docker", "grafana", "dashboards", "edgeinfer.json")) as f:
        dashboard = json.load(f)
    assert all(target["datasource"]["uid"] == "prometheus" for panel in dashboard["panels"] for target in panel["targets"])
