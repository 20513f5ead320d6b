# Weft — the two commands are `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

SWIFT      ?= swift
PYTHON     ?= python3
VENV       := .venv
NETNS      ?=
DATA_DIR   ?=
PORT       ?= 8000
RUN_ARGS   ?=
PYTEST_ARGS ?=

DEBUG_BIN   := $(CURDIR)/.build/debug/weft
RELEASE_BIN := $(CURDIR)/.build/release/weft
# What the binary is built from: `make run` rebuilds only when one of these changed.
SOURCES     := Package.swift $(shell find Sources -type f)

.PHONY: all deps test-deps build release run test unit integration e2e ui venv bench fuzz fuzz-smoke clean

all: build

deps:
	./scripts/install-deps --run

test-deps:
	./scripts/install-deps --test

build:
	$(SWIFT) build

release: $(RELEASE_BIN)

# swift build leaves the binary's time alone when its code did not change (a comment, say):
# touch it, so that the next run does not build again.
$(RELEASE_BIN): $(SOURCES)
	$(SWIFT) build -c release
	touch $@

# Starts a controller in the foreground. As root, missing Debian packages are installed
# first. NETNS=name runs it inside its own network namespace (address 198.18.0.2).
# The release binary is rebuilt only when a source changed since it was built.
run: deps $(RELEASE_BIN)
	@args=(serve --port $(PORT)); \
	if [ -n "$(DATA_DIR)" ]; then args+=(--data-dir "$(DATA_DIR)"); fi; \
	if [ -n "$(NETNS)" ]; then \
	  exec ./scripts/netns-run "$(NETNS)" $(RELEASE_BIN) "$${args[@]}" $(RUN_ARGS); \
	else \
	  exec $(RELEASE_BIN) "$${args[@]}" $(RUN_ARGS); \
	fi

$(VENV)/.installed: tests/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r tests/requirements.txt
	touch $@

venv: $(VENV)/.installed

# Unit tests (Swift, fakes for the OS), then integration (real tools in network
# namespaces, as root) and e2e (the cohesivenet SDK against real daemons).
test: test-deps venv
	$(SWIFT) build --build-tests
	$(MAKE) --no-print-directory unit integration e2e ui fuzz-smoke

unit:
	$(SWIFT) test --skip-build

integration:
	WEFT_BIN=$(DEBUG_BIN) $(VENV)/bin/python -m pytest -q -p no:cacheprovider tests/integration $(PYTEST_ARGS)

e2e:
	WEFT_BIN=$(DEBUG_BIN) $(VENV)/bin/python -m pytest -q -p no:cacheprovider tests/e2e $(PYTEST_ARGS)

# The web UI in a real headless Chromium (Selenium, Debian's chromium-driver).
ui:
	WEFT_BIN=$(DEBUG_BIN) $(VENV)/bin/python -m pytest -q -p no:cacheprovider tests/ui $(PYTEST_ARGS)

# libFuzzer (-sanitize=fuzzer,address) on the parsers of what arrives from the network or
# an upload: 10^6 inputs per target (`make fuzz`), or a short smoke run (`make test`).
FUZZ_RUNS ?= 1000000
fuzz:
	./scripts/fuzz $(FUZZ_RUNS)
	./scripts/fuzz-ids $(FUZZ_RUNS)

fuzz-smoke:
	./scripts/fuzz 3000

bench: test-deps venv release
	./scripts/bench/api $(RELEASE_BIN)
	./scripts/bench/firewall $(RELEASE_BIN)
	$(VENV)/bin/python scripts/bench/overlay $(RELEASE_BIN)
	$(VENV)/bin/python scripts/bench/client-groups $(RELEASE_BIN)
	./scripts/bench/ipsec $(RELEASE_BIN)
	./scripts/bench/snmp $(RELEASE_BIN)
	./scripts/bench/failover $(RELEASE_BIN)
	./scripts/bench/snapshot $(RELEASE_BIN)
	./scripts/bench/capture $(RELEASE_BIN)
	$(SWIFT) run -c release weft-micro

clean:
	rm -rf .build $(VENV) test-artifacts
