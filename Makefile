# The two commands of the README: `make demo` and `make test`. Each installs
# the Debian packages it is missing, configures and builds first.
SHELL := /bin/bash
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

# Everything the build, the tests, the demo and the benchmarks use.
DEB_PACKAGES := cmake g++ make pkg-config git openssl curl python3 python3-yaml procps \
  prometheus-cpp-dev libcurl4-openssl-dev libsimdjson-dev libyaml-cpp-dev \
  libcpp-httplib-dev libssl-dev zlib1g-dev libbrotli-dev libcrypt-dev \
  libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev \
  prometheus prometheus-alertmanager clang libclang-rt-14-dev jsonnet clang-format \
  iproute2 util-linux

.PHONY: all deps configure build test demo bench fuzz sanitize format format-check golden clean mixin reliability-doc

all: build

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:" $$missing; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

configure: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

demo: build
	tests/demo/demo.sh $(BUILD)

# Regenerates deploy/prometheus/vb365_rules.yml, deploy/grafana/vb365-overview.json
# and deploy/kubernetes/prometheusrule.yaml from the mixin (deploy/mixin/).
mixin:
	/usr/bin/python3 deploy/mixin/generate.py

# Runs the fault matrix (tests/e2e/fault_matrix.py, ctest e2e_fault_matrix)
# and rewrites the generated table in docs/reliability.md with its figures.
reliability-doc: build
	/usr/bin/python3 tests/e2e/fault_matrix.py --simulator $(BUILD)/tests/simulator/vb365_simulator \
	  --exporter $(BUILD)/exporter/app/vb365_exporter --update-doc docs/reliability.md

bench: build
	bench/run.sh $(BUILD)

sanitize:
	$(MAKE) test BUILD=build-asan CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=Debug -DVB365_SANITIZE=ON -DVB365_BUILD_BENCH=OFF"

format:
	find exporter tests bench -name '*.cc' -o -name '*.h' | xargs clang-format -i

# Fails on any C++ file in exporter/ tests/ bench/ that `make format` would
# change (also run by `make test` as the ctest test format_check).
format-check: deps
	tests/lib/format_check.sh

# Rewrites tests/fixtures/golden/metrics_v3.txt and metrics_v8.txt from the
# current exporter (e2e.golden_v3/_v8 compare against them); review the diff.
golden: build
	$(BUILD)/tests/e2e/golden_test --update

clean:
	rm -rf $(BUILD) build-asan
