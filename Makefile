# The two commands of the README: `make demo` and `make test`. Each installs
# the Debian packages it is missing, configures and builds first.
SHELL := /bin/bash
BUILD ?= build
JOBS ?= $(shell nproc)
# ccache, where installed (make deps installs it), makes a rebuild from a clean
# build folder quick; its base folder is this checkout, so two clones share hits.
CCACHE_LAUNCHER = $(if $(shell command -v ccache),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CCACHE_LAUNCHER)

# Everything the build, the tests, the demo and the benchmarks use.
DEB_PACKAGES := cmake g++ make pkg-config git openssl curl python3 python3-yaml procps \
  prometheus-cpp-dev libcurl4-openssl-dev libsimdjson-dev libyaml-cpp-dev \
  libcpp-httplib-dev libmicrohttpd-dev libssl-dev zlib1g-dev libbrotli-dev libcrypt-dev \
  libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev ccache \
  prometheus prometheus-alertmanager clang libclang-rt-14-dev jsonnet clang-format \
  iproute2 util-linux chromium

.PHONY: all deps configure build test demo bench fuzz fuzz-build fuzz-ci sanitize tsan ci-extra format format-check golden clean mixin reliability-doc

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

# libFuzzer build (clang 14, every module with coverage, ASan and UBSan) of
# the fuzz targets in tests/fuzz/ and only what they link, in build-fuzz.
FUZZ_BUILD := build-fuzz
FUZZ_CXX ?= clang++-14
FUZZ_TIME ?= 20
fuzz-build: deps
	CC=$(subst clang++,clang,$(FUZZ_CXX)) CXX=$(FUZZ_CXX) cmake -S . -B $(FUZZ_BUILD) \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVB365_FUZZ=ON -DVB365_BUILD_BENCH=OFF $(CCACHE_LAUNCHER)
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_targets

# CI: each target for FUZZ_TIME (20) seconds from its seed corpus, fixed seed;
# fails on any crash, sanitizer report, leak, timeout or broken invariant.
fuzz-ci: fuzz-build
	tests/fuzz/run_fuzzers.sh $(FUZZ_BUILD) $(FUZZ_TIME)

# A longer campaign, niced: make fuzz FUZZ_TIME=150 (docs/reliability.md).
fuzz: fuzz-build
	FUZZ_NICE=10 tests/fuzz/run_fuzzers.sh $(FUZZ_BUILD) $(FUZZ_TIME)

# AddressSanitizer + UBSan build (gcc, Debug, -DVB365_SANITIZE=ON) in
# build-asan running the ctest suite; the simulator and the exporter the
# tests start are instrumented too. Every process writes its reports to
# build-asan/asan-reports/ (children's stderr goes to temporary logs, and a
# UBSan "runtime error" does not stop the process): any AddressSanitizer,
# LeakSanitizer or UBSan error fails the target and is printed.
# SANITIZE_EXCLUDE: tests that run no instrumented code of ours, so a
# sanitizer build adds nothing to what `make test` proved, and that are slow:
#   deploy_rule_tests_catch_mutations  runs promtool on 24 mutated rule files
#   deploy_promtool_*                  promtool on the rules and the config
#   deploy_grafana_*, deploy_mixin_*, deploy_manifests_*, deploy_dockerfile_*,
#   deploy_alertmanager_*              static checks of deploy/ (Python, amtool)
#   format_check, layering_*           clang-format and include checks of the sources
#   e2e_status_page_browser, demo_     Chromium and the demo's Prometheus and
#                                      Alertmanager: minutes of browser start-up under
#                                      load; the exporter code they reach (status page,
#                                      /metrics) is covered by e2e.* and e2e_prometheus
# SANITIZER_TIMED (left out of both sanitizer passes): tests whose checks are
# wall-time bounds that a sanitizer's slowdown breaks without proving a bug:
#   e2e_fault_matrix  server a's 1 s request timeout, log lines pinned per row and
#                     200 ms scrapes: under ASan (Debug) a loaded machine's simulator
#                     answers a resumed or retried request after the timeout, which
#                     logs an extra line and fails the row. The fault paths run under
#                     ASan and TSan in the client, transport and e2e tests and the
#                     fuzz targets; the matrix itself runs in make test.
SANITIZER_TIMED := ^e2e_fault_matrix$$
ASAN_BUILD := build-asan
ASAN_REPORTS = $(CURDIR)/$(ASAN_BUILD)/asan-reports
SANITIZE_EXCLUDE := ^(deploy_rule_tests_catch_mutations|deploy_promtool_|deploy_grafana_|deploy_mixin_|deploy_manifests_|deploy_dockerfile_|deploy_alertmanager_|format_check|layering_|e2e_status_page_browser|demo_)|$(SANITIZER_TIMED)
sanitize:
	$(MAKE) build BUILD=$(ASAN_BUILD) CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=Debug -DVB365_SANITIZE=ON -DVB365_BUILD_BENCH=OFF $(CCACHE_LAUNCHER)"
	rm -rf $(ASAN_REPORTS) && mkdir -p $(ASAN_REPORTS)
	ASAN_OPTIONS="log_path=$(ASAN_REPORTS)/asan" \
	UBSAN_OPTIONS="print_stacktrace=1 log_path=$(ASAN_REPORTS)/ubsan" \
	  ctest --test-dir $(ASAN_BUILD) -E '$(SANITIZE_EXCLUDE)' --output-on-failure -j $(JOBS); \
	rc=$$?; \
	if compgen -G '$(ASAN_REPORTS)/*' >/dev/null; then cat $(ASAN_REPORTS)/*; fi; \
	if compgen -G '$(ASAN_REPORTS)/*' >/dev/null && \
	   grep -lqE 'ERROR: (Address|Leak)Sanitizer|runtime error:' $(ASAN_REPORTS)/*; then \
	  echo "AddressSanitizer/UBSan reported $$(cat $(ASAN_REPORTS)/* | grep -cE 'ERROR: (Address|Leak)Sanitizer|runtime error:') error(s): $(ASAN_REPORTS)"; \
	  exit 1; \
	fi; \
	exit $$rc

# ThreadSanitizer build (gcc, -DVB365_TSAN=ON; the simulator and the exporter
# the tests start are instrumented too) running the tests of the code that
# runs on several threads: the refresh loop and its workers, the snapshot swap
# (Publish against scrapes), the token manager and the client sharing it, the
# HTTP server, curl's transport, and the real exporter end to end (also
# scraped by a real Prometheus). Every process writes its reports to
# build-tsan/tsan-reports/ (children's stderr goes to temporary logs); every
# report is printed and tests/lib/tsan_reports.py judges them: a report with a
# frame of exporter/, tests/ or bench/ on an access stack (or one it cannot
# read) fails the target; one whose accesses lie wholly inside uninstrumented
# libraries (cpp-httplib's thread pool in the simulator: memcpy/memcmp with
# no frame of ours) is shown as library-internal. tests/tsan.supp only names
# frames inside uninstrumented libraries.
TSAN_BUILD := build-tsan
TSAN_TESTS := ^(RefresherTest|HttpServer[A-Za-z]*Test|CollectorTest|SelfMetricsTest|TokenManagerTest|TokenSecretsTest|TokenTransportTest|Client[A-Za-z]*Test)[./]|^integration_|^e2e[._]
# TSan (gcc 12, clang 14) maps its shadow memory at fixed addresses and stops
# with "FATAL: ThreadSanitizer: unexpected memory mapping" on kernels that
# randomise mmap with more bits (vm.mmap_rnd_bits above 28, the default of
# some distributions' 6.x kernels). setarch -R turns address randomisation
# off for ctest and every process it starts (inherited), without root; where
# personality() is refused the tests run as they are.
TSAN_RUN = $(shell setarch $$(uname -m) -R true 2>/dev/null && echo setarch $$(uname -m) -R)
TSAN_REPORTS = $(CURDIR)/$(TSAN_BUILD)/tsan-reports

tsan:
	$(MAKE) build BUILD=$(TSAN_BUILD) CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=RelWithDebInfo -DVB365_TSAN=ON -DVB365_BUILD_BENCH=OFF $(CCACHE_LAUNCHER)"
	rm -rf $(TSAN_REPORTS) && mkdir -p $(TSAN_REPORTS)
	TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp log_path=$(TSAN_REPORTS)/report second_deadlock_stack=1" \
	  $(TSAN_RUN) ctest --test-dir $(TSAN_BUILD) -R '$(TSAN_TESTS)' -E '$(SANITIZER_TIMED)' --output-on-failure -j $(JOBS); \
	rc=$$?; \
	if compgen -G '$(TSAN_REPORTS)/report*' >/dev/null; then \
	  /usr/bin/python3 tests/lib/tsan_reports.py $(TSAN_REPORTS) || exit 1; \
	fi; \
	exit $$rc

# The CI steps after `make test` (.ci/run), in CI's order: the fuzz targets
# for FUZZ_TIME s each, the ASan/UBSan build and its ctest, the TSan build and
# its tests (wall times: docs/reliability.md, "What the CI steps cost").
ci-extra:
	$(MAKE) fuzz-ci
	$(MAKE) sanitize
	$(MAKE) tsan

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
	rm -rf $(BUILD) build-asan build-tsan $(FUZZ_BUILD)
