#!/usr/bin/env python3
"""A local OpenTelemetry trace collector for benchmarks: takes OTLP/gRPC exports on the given port
(opentelemetry-proto's service on grpcio), keeps only a count of spans per service, and writes
the counts as JSON to the given file when stopped (SIGTERM or SIGINT).
Usage: dev/otlp-collector.py PORT COUNTS_FILE"""
import json
import signal
import sys
import threading
from collections import Counter
from concurrent import futures

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc


class Collector(trace_service_pb2_grpc.TraceServiceServicer):
    def __init__(self):
        self.counts = Counter()
        self.lock = threading.Lock()

    def Export(self, request, context):
        with self.lock:
            for resource_spans in request.resource_spans:
                service = next((a.value.string_value for a in resource_spans.resource.attributes if a.key == "service.name"), "")
                self.counts[service] += sum(len(scope.spans) for scope in resource_spans.scope_spans)
        return trace_service_pb2.ExportTraceServiceResponse()


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    collector = Collector()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(collector, server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stopped.wait()
    server.stop(1)
    with collector.lock, open(path, "w") as out:
        json.dump(dict(collector.counts), out)


if __name__ == "__main__":
    main()
