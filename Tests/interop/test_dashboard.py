"""The router's operator dashboard in a real browser (Debian's chromium, headless, driven by
selenium through chromedriver) over HTTPS with the cluster's certificates: it asks for an admin
key when API keys are on, refuses an inference key, then shows every node on the map and in the
table with the last minute's routes; after SIGKILL of a node the page marks it unhealthy within
3 s. A screenshot is written for the docs. A router with two nodes of its own (the session
cluster's certificates) runs beside the session cluster, so killing a node costs no other test."""
import base64
import hashlib
import json
import os
import signal
import ssl
import subprocess
import time
import urllib.error
import urllib.request

import numpy as np
import pytest
import tritonclient.grpc as grpcclient

from conftest import BIN, ROOT, terminate
from test_api_keys import create_key, free_port

SCREENSHOT = os.environ.get("EDGEINFER_DASHBOARD_SCREENSHOT", os.path.join(ROOT, ".build", "dashboard.png"))
NODES = {"node-1": "48.86,2.35", "node-2": "35.68,139.69"}


class DashboardCluster:
    def __init__(self, cluster, folder):
        self.certs = os.path.dirname(cluster.ca)
        self.ca = cluster.ca
        keys = os.path.join(folder, "keys.json")
        self.admin_key = create_key(keys, "ops", "--scope", "admin")
        self.infer_key = create_key(keys, "app")
        self.port, cluster_port, self.dashboard_port = free_port(), free_port(), free_port()
        self.log = os.path.join(folder, "processes.log")
        logs = open(self.log, "w")
        self.router = subprocess.Popen(
            [os.path.join(BIN, "edge-router"), "--location", "50.11,8.68", "--listen", f"127.0.0.1:{self.port}",
             "--cluster-listen", f"127.0.0.1:{cluster_port}", "--ca", cluster.ca,
             "--cert", os.path.join(self.certs, "router.pem"), "--key", os.path.join(self.certs, "router-key.pem"),
             "--api-keys", keys, "--dashboard-listen", f"127.0.0.1:{self.dashboard_port}"],
            stdout=logs, stderr=subprocess.STDOUT)
        self.nodes = {}
        for node, location in NODES.items():
            self.nodes[node] = subprocess.Popen(
                [os.path.join(BIN, "edge-node"), "--id", node, "--location", location,
                 "--listen", f"127.0.0.1:{free_port()}", "--models", os.path.join(ROOT, "models"),
                 "--router", f"127.0.0.1:{cluster_port}", "--ca", cluster.ca,
                 "--cert", os.path.join(self.certs, f"{node}.pem"), "--key", os.path.join(self.certs, f"{node}-key.pem")],
                stdout=logs, stderr=subprocess.STDOUT)
        self.url = f"https://127.0.0.1:{self.dashboard_port}/"
        deadline = time.monotonic() + 90
        while True:
            try:
                state = self.state(self.admin_key)
                if sum(node["healthy"] for node in state["nodes"]) == len(NODES):
                    break
            except (OSError, urllib.error.URLError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"dashboard cluster did not start; log in {self.log}")
            time.sleep(0.3)

    def context(self):
        return ssl.create_default_context(cafile=self.ca)

    def get(self, path, key=None, method="GET"):
        request = urllib.request.Request(self.url.rstrip("/") + path, method=method)
        if key:
            request.add_header("Authorization", f"Bearer {key}")
        try:
            with urllib.request.urlopen(request, context=self.context(), timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def state(self, key):
        status, _, body = self.get("/api/state", key)
        assert status == 200, (status, body)
        return json.loads(body)

    def infer(self, location, count):
        client = grpcclient.InferenceServerClient(url=f"localhost:{self.port}", ssl=True, root_certificates=self.ca)
        pixels = grpcclient.InferInput("pixels", [1, 64], "FP32")
        pixels.set_data_from_numpy(np.zeros((1, 64), dtype=np.float32))
        for _ in range(count):
            client.infer("digits", [pixels], headers={"authorization": f"Bearer {self.infer_key}", "x-edge-location": location})
        client.close()

    def spki(self):
        """The router certificate's public key hash, as chromium's
        --ignore-certificate-errors-spki-list takes it: the browser trusts exactly this key."""
        der = subprocess.run(["openssl", "x509", "-in", os.path.join(self.certs, "router.pem"), "-pubkey", "-noout"],
                             check=True, capture_output=True).stdout
        key = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=der, check=True, capture_output=True).stdout
        return base64.b64encode(hashlib.sha256(key).digest()).decode()

    def stop(self):
        terminate([self.router, *self.nodes.values()])


@pytest.fixture(scope="module")
def dashboard(cluster, tmp_path_factory):
    running = DashboardCluster(cluster, str(tmp_path_factory.mktemp("dashboard")))
    yield running
    running.stop()


def browser(spki):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1600,900",
                     f"--ignore-certificate-errors-spki-list={spki}", "--disable-gpu"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def wait_until(driver, condition, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(condition)
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


def test_the_page_shows_every_node_and_a_killed_one_turns_unhealthy_within_3_s(dashboard):
    dashboard.infer("51.51,-0.13", 5)  # London, served from Paris
    dashboard.infer("37.57,126.98", 3)  # Seoul, served from Tokyo
    driver = browser(dashboard.spki())
    try:
        driver.get(dashboard.url)
        # Keys are on: the page asks for an admin key and shows nothing before it.
        assert wait_until(driver, "return !document.getElementById('login').hidden", 10)
        assert driver.execute_script("return document.querySelectorAll('#nodes [data-node]').length") == 0
        # An inference key is refused.
        driver.find_element("id", "key").send_keys(dashboard.infer_key)
        driver.find_element("css selector", "#login button").click()
        assert wait_until(driver, "return document.getElementById('login-error').textContent", 10) == \
            "the dashboard needs an admin key"
        field = driver.find_element("id", "key")
        field.clear()
        field.send_keys(dashboard.admin_key)
        driver.find_element("css selector", "#login button").click()
        shown = wait_until(driver, """
            const rows = [...document.querySelectorAll('#nodes-table tbody tr')];
            return rows.length === 2 && rows.every((row) => row.dataset.health === 'healthy')
              ? rows.map((row) => row.dataset.node) : null""", 15)
        assert shown == ["node-1", "node-2"]
        assert not driver.find_element("id", "login").is_displayed()
        assert driver.find_element("id", "map").is_displayed()
        assert driver.execute_script("return [...document.querySelectorAll('#nodes circle')].map((c) => c.dataset.node)") == \
            ["node-1", "node-2"]
        assert driver.execute_script("return document.querySelectorAll('#routers rect').length") == 1
        # The last minute's routes: one line from each client place to the node that served it.
        routes = wait_until(driver, "return [...document.querySelectorAll('#routes line')].map((l) => l.dataset.route).sort()", 5)
        assert routes == ["node-1", "node-2"]
        assert driver.execute_script("return document.getElementById('land').getAttribute('d').length") > 50000
        assert driver.execute_script("return document.getElementById('status').dataset.state") == "live"
        credentials = driver.execute_script(
            "return [...document.querySelectorAll('#credentials-table tbody tr')].map((r) => r.textContent)")
        assert credentials == ["app8"]
        assert driver.execute_script("return JSON.stringify(performance.getEntriesByType('resource').map((r) => new URL(r.name).origin).filter((o) => o !== location.origin))") == "[]"
        os.makedirs(os.path.dirname(SCREENSHOT), exist_ok=True)
        driver.save_screenshot(SCREENSHOT)

        dashboard.nodes["node-2"].send_signal(signal.SIGKILL)
        killed = time.monotonic()
        unhealthy = wait_until(driver, """
            const row = document.querySelector('#nodes-table tr[data-node="node-2"]');
            const dot = document.querySelector('#nodes circle[data-node="node-2"]');
            return row && dot && row.dataset.health === 'unhealthy' && dot.dataset.health === 'unhealthy'""", 10)
        elapsed = time.monotonic() - killed
        print(f"node-2 shown unhealthy {elapsed:.2f} s after SIGKILL")
        assert unhealthy, "the page never showed the killed node unhealthy"
        assert elapsed < 3, f"the page took {elapsed:.2f} s to show the killed node unhealthy"
        assert driver.execute_script(
            "return document.querySelector('#nodes-table tr[data-node=\"node-1\"]').dataset.health") == "healthy"
    finally:
        driver.quit()


def test_the_state_needs_an_admin_key_and_the_page_admits_no_foreign_script(dashboard):
    status, headers, body = dashboard.get("/api/state")
    assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer")
    assert "admin API key" in json.loads(body)["error"]
    assert dashboard.get("/api/state", "edge_notakey")[0] == 401
    assert dashboard.get("/api/events", dashboard.infer_key)[0] == 403
    state = dashboard.state(dashboard.admin_key)
    assert {node["id"] for node in state["nodes"]} >= {"node-1"}
    assert state["router"]["id"] == "router"
    # The page holds no cluster data and loads nothing from elsewhere.
    status, headers, page = dashboard.get("/")
    assert status == 200 and b"node-1" not in page
    assert "script-src 'self'" in headers["Content-Security-Policy"] and "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    for asset in ("/dashboard.js", "/dashboard.css"):
        status, _, body = dashboard.get(asset)
        assert status == 200 and b"http://" not in body.replace(b"http://www.w3.org/2000/svg", b"")
    assert dashboard.get("/api/state", dashboard.admin_key, method="POST")[0] in (404, 405)
    # TLS only: a plain HTTP request to the dashboard gets no page.
    with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
        urllib.request.urlopen(f"http://127.0.0.1:{dashboard.dashboard_port}/api/state", timeout=5).read()


def test_event_streams_are_bounded_and_released_when_pages_close(dashboard):
    import http.client

    def open_stream():
        connection = http.client.HTTPSConnection("127.0.0.1", dashboard.dashboard_port, context=dashboard.context(), timeout=10)
        connection.request("GET", "/api/events", headers={"Authorization": f"Bearer {dashboard.admin_key}"})
        return connection, connection.getresponse()

    # HEAD answers as GET would, and its unsent stream gives its slot back.
    for _ in range(40):
        connection = http.client.HTTPSConnection("127.0.0.1", dashboard.dashboard_port, context=dashboard.context(), timeout=10)
        connection.request("HEAD", "/api/events", headers={"Authorization": f"Bearer {dashboard.admin_key}"})
        assert connection.getresponse().status == 200
        connection.close()

    def fill():
        """Opens streams until one is refused. A closed page holds its slot until a write to it
        fails (the first after its FIN still succeeds, the next a second later does not), so a
        short count (an earlier test's page, or this loop's last round) is retried after 3 s."""
        deadline = time.monotonic() + 20
        while True:
            streams = []
            while len(streams) <= 32:
                connection, response = open_stream()
                if response.status != 200:
                    break
                streams.append((connection, response))
            if len(streams) == 32 or time.monotonic() > deadline:
                return streams, connection, response
            for stream, _ in streams:
                stream.close()
            connection.close()
            time.sleep(3)

    streams = []
    try:
        streams, connection, response = fill()
        assert len(streams) == 32
        assert streams[0][1].readline() == b"event: state\n"
        assert response.status == 503 and response.getheader("Retry-After") == "5"
        assert "too many dashboard streams" in json.loads(response.read())["error"]
        connection.close()
    finally:
        for connection, _ in streams:
            connection.close()
    # A closed page's stream ends at its next event, and its slot is free again.
    deadline = time.monotonic() + 10
    while True:
        connection, response = open_stream()
        status = response.status
        connection.close()
        if status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert status == 200


def test_cluster_up_prints_a_dashboard_that_shows_every_node(cluster):
    # No API keys in `cluster up`: the state answers without a credential, over HTTPS with the
    # cluster's CA.
    assert cluster.dashboards
    context = ssl.create_default_context(cafile=cluster.ca)
    for router, url in cluster.dashboards.items():
        assert url.startswith("https://127.0.0.1:") and url.endswith("/")
        with urllib.request.urlopen(url + "api/state", context=context, timeout=10) as response:
            state = json.loads(response.read())
        assert state["router"]["id"] == router
        assert sorted(node["id"] for node in state["nodes"]) == sorted(cluster.nodes)
        assert all(node["healthy"] for node in state["nodes"])


def test_without_keys_the_dashboard_answers_loopback_names_only(cluster):
    # A web page the operator visits could point its own name at 127.0.0.1 (DNS rebinding):
    # addressed by any other name, the keyless dashboard refuses.
    import http.client

    url = next(iter(cluster.dashboards.values()))
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    context = ssl.create_default_context(cafile=cluster.ca)
    for host, status in (("evil.example", 403), (f"evil.example:{port}", 403), (f"localhost:{port}", 200), (f"127.0.0.1:{port}", 200)):
        connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
        connection.putrequest("GET", "/api/state", skip_host=True)
        connection.putheader("Host", host)
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == status, (host, response.status)
        connection.close()


def test_off_loopback_the_dashboard_needs_tls_and_keys(cluster):
    certs = os.path.dirname(cluster.ca)
    for arguments, message in (
        (["--insecure"], "a plaintext (--insecure) router serves its dashboard on loopback only"),
        (["--ca", cluster.ca, "--cert", os.path.join(certs, "router.pem"), "--key", os.path.join(certs, "router-key.pem")],
         "off loopback the dashboard needs --api-keys"),
    ):
        result = subprocess.run(
            [os.path.join(BIN, "edge-router"), "--location", "50.11,8.68", "--listen", "127.0.0.1:0",
             "--cluster-listen", "127.0.0.1:0", "--dashboard-listen", "0.0.0.0:0", *arguments],
            capture_output=True, text=True, timeout=30)
        assert result.returncode != 0
        assert message in result.stderr, result.stderr
