"""Spans across the real binaries, received by a real OTLP/gRPC collector (opentelemetry-proto's
service on grpcio): a router, a node and a separate executor, each with `--otlp-endpoint`, send
one request's spans under one trace id — the client's when it sends a `traceparent`, a new one
reported in `edge_trace_id` when it does not — with the parent of each hop the span that sent it:
route → attempt → infer → queue and batch (linked to the request) → execute."""
import json
import os
import subprocess
import tempfile
import threading
import time
from concurrent import futures

import grpc
import numpy as np
import tritonclient.grpc as grpcclient
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("EDGEINFER_BIN", os.path.join(ROOT, ".build", "debug"))
CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_PARENT = "00f067aa0ba902b7"


class Collector(trace_service_pb2_grpc.TraceServiceServicer):
    """Keeps every span it is sent, with the `service.name` of the process that sent it."""

    def __init__(self):
        self.spans = []
        self.lock = threading.Lock()

    def Export(self, request, context):
        with self.lock:
            for resource_spans in request.resource_spans:
                attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
                for scope in resource_spans.scope_spans:
                    for span in scope.spans:
                        self.spans.append((attributes.get("service.name"), span))
        return trace_service_pb2.ExportTraceServiceResponse()

    def trace(self, trace_id):
        with self.lock:
            return [(service, span) for service, span in self.spans if span.trace_id.hex() == trace_id]


def wait_for(path, timeout=30):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path) or os.path.getsize(path) == 0:
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)
    time.sleep(0.05)
    return json.load(open(path))


def serving_address(process):
    """The address in an executor's JSON `serving` line."""
    for line in process.stderr:
        entry = json.loads(line)
        if entry["message"] == "serving":
            return entry["address"] if "address" in entry else entry["listen"]
    raise AssertionError("the executor never served")


def spans_of(collector, trace_id, names, timeout=20):
    """The trace's spans by name, once every one of `names` has arrived (spans leave within a
    second of ending)."""
    deadline = time.monotonic() + timeout
    while True:
        spans = collector.trace(trace_id)
        by_name = {}
        for service, span in spans:
            by_name.setdefault(span.name, []).append((service, span))
        if all(name in by_name for name in names) or time.monotonic() > deadline:
            return by_name
        time.sleep(0.2)


def test_one_request_is_one_trace_across_router_node_and_executor():
    collector = Collector()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(collector, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    processes = []
    timer = threading.Timer(120, lambda: [p.kill() for p in processes])
    timer.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            executor = subprocess.Popen(
                [os.path.join(BIN, "edge-executor"), "--insecure", "--listen", "127.0.0.1:0",
                 "--models", os.path.join(ROOT, "models"), "--log-format", "json", "--otlp-endpoint", endpoint],
                stderr=subprocess.PIPE, text=True)
            processes.append(executor)
            executor_address = serving_address(executor)
            threading.Thread(target=lambda: [None for _ in executor.stderr], daemon=True).start()
            router_ready = os.path.join(folder, "router.json")
            processes.append(subprocess.Popen(
                [os.path.join(BIN, "edge-router"), "--insecure", "--location", "50.11,8.68", "--listen", "127.0.0.1:0",
                 "--cluster-listen", "127.0.0.1:0", "--ready-file", router_ready, "--otlp-endpoint", endpoint],
                stderr=subprocess.DEVNULL))
            router = wait_for(router_ready)
            node_ready = os.path.join(folder, "node.json")
            processes.append(subprocess.Popen(
                [os.path.join(BIN, "edge-node"), "--insecure", "--id", "node-1", "--location", "48.85,2.35",
                 "--listen", "127.0.0.1:0", "--models", os.path.join(ROOT, "models"), "--router", router["cluster"],
                 "--executor", executor_address, "--ready-file", node_ready, "--otlp-endpoint", endpoint],
                stderr=subprocess.DEVNULL))
            wait_for(node_ready)
            client = grpcclient.InferenceServerClient(url=router["clients"])
            pixels = grpcclient.InferInput("pixels", [1, 64], "FP32")
            pixels.set_data_from_numpy(np.zeros((1, 64), dtype=np.float32))
            # Ready first (untraced calls), so the traced request is answered at its first try.
            deadline = time.monotonic() + 30
            while not client.is_model_ready("digits"):
                assert time.monotonic() < deadline, "the node never registered digits"
                time.sleep(0.2)
            headers = {"traceparent": f"00-{CLIENT_TRACE}-{CLIENT_PARENT}-01"}
            answer = client.infer("digits", [pixels], request_id="traced", headers=headers)
            assert answer.get_response().parameters["edge_trace_id"].string_param == CLIENT_TRACE
            names = ["route", "attempt", "infer", "queue", "batch", "execute"]
            spans = spans_of(collector, CLIENT_TRACE, names)
            assert set(names) <= set(spans), sorted(spans)
            (route_service, route), = spans["route"]
            (attempt_service, attempt), = spans["attempt"]
            (infer_service, infer), = spans["infer"]
            assert infer.parent_span_id == attempt.span_id
            (queue_service, queue), = [(s, q) for s, q in spans["queue"] if q.parent_span_id == infer.span_id]
            (batch_service, batch), = [(s, b) for s, b in spans["batch"] if b.parent_span_id == infer.span_id]
            (execute_service, execute), = [(s, e) for s, e in spans["execute"] if e.parent_span_id == batch.span_id]
            assert (route_service, attempt_service) == ("edge-router", "edge-router")
            assert (infer_service, queue_service, batch_service) == ("edge-node",) * 3
            assert execute_service == "edge-executor"
            # The client's span is the route's parent; each hop's parent is the span that sent it.
            assert route.parent_span_id.hex() == CLIENT_PARENT
            assert attempt.parent_span_id == route.span_id
            assert route.kind == route.SPAN_KIND_SERVER and attempt.kind == attempt.SPAN_KIND_CLIENT
            assert infer.kind == infer.SPAN_KIND_SERVER and execute.kind == execute.SPAN_KIND_SERVER
            assert infer.span_id in [link.span_id for link in batch.links]
            attributes = {a.key: a.value for a in route.attributes}
            assert attributes["edge.model"].string_value == "digits"
            assert attributes["edge.node"].string_value == "node-1"
            assert attributes["edge.request_id"].string_value == "traced"
            # A span ends after the spans inside it.
            assert route.start_time_unix_nano <= attempt.start_time_unix_nano <= attempt.end_time_unix_nano <= route.end_time_unix_nano
            assert batch.start_time_unix_nano <= execute.start_time_unix_nano and execute.end_time_unix_nano <= batch.end_time_unix_nano

            # Without a traceparent the router starts the trace; its id is in the answer and on
            # every service's spans.
            answer = client.infer("digits", [pixels], request_id="untraced")
            started = answer.get_response().parameters["edge_trace_id"].string_param
            assert len(started) == 32 and started != CLIENT_TRACE
            spans = spans_of(collector, started, names)
            assert set(names) <= set(spans), sorted(spans)
            (_, route), = spans["route"]
            assert route.parent_span_id == b""
            services = {service for name in names for service, _ in spans[name]}
            assert services == {"edge-router", "edge-node", "edge-executor"}
    finally:
        timer.cancel()
        for process in processes:
            process.kill()
            process.wait()
        server.stop(0)


def test_a_malformed_endpoint_is_refused_clearly():
    for binary, arguments in (("edge-router", ["--location", "50.11,8.68"]), ("edge-node", ["--id", "n", "--location", "48.85,2.35"]),
                              ("edge-executor", [])):
        result = subprocess.run(
            [os.path.join(BIN, binary), "--insecure", "--listen", "127.0.0.1:0", "--otlp-endpoint", "127.0.0.1:4317"] + arguments,
            capture_output=True, text=True, timeout=30)
        assert result.returncode != 0, binary
        assert "--otlp-endpoint must be a URL such as http://127.0.0.1:4317, not '127.0.0.1:4317'" in result.stderr, result.stderr
