# Weft — the two commands are `make run` and `make test`; `make help` lists the rest.
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

.PHONY: all help deps test-deps build release run test models models-full unit integration e2e ui venv bench fuzz fuzz-smoke clean man deb deb-test plugin-images openapi

all: build

help:
	@echo "make build       debug build (swift build)"
	@echo "make release     release build of .build/release/weft"
	@echo "make run         start a controller (NETNS=weft0 in its own namespace; DATA_DIR=, PORT=, RUN_ARGS=)"
	@echo "make test        unit, integration, e2e and UI tests (as root)"
	@echo "make unit | integration | e2e | ui    one suite (after a build with tests)"
	@echo "make bench       benchmarks (BENCHMARKS.md)"
	@echo "make fuzz        libFuzzer, 10^6 inputs per parser (FUZZ_RUNS=); make fuzz-smoke: 3,000 each"
	@echo "make man         docs/weft.1, the man page generated from the argument parser"
	@echo "make openapi     docs/openapi.json (and its copy in the binary) and docs/api.html, from the route table"
	@echo "make deb         dist/weft_VERSION_ARCH.deb (release, static Swift runtime; DEB_CONFIG=debug for a quick one)"
	@echo "make deb-test    the package in a debootstrap chroot of Debian 12 (root; the chroot is cached)"
	@echo "make deps | test-deps | venv | plugin-images | clean"

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
	-$(MAKE) --no-print-directory plugin-images
	$(MAKE) --no-print-directory unit integration e2e ui fuzz-smoke models

# Plugin images from Debian packages (mmdebstrap) into /var/cache/weft-plugins, cached by a
# hash of each recipe: cold about 3 minutes, cached a second. In `make test` a failed build
# (no mirror) only skips the test that needs the image.
plugin-images:
	./scripts/build-plugin-image

# The protocol models (models/*.pml) checked with spin: about 25 s; `make models-full` about 4 min.
models:
	./scripts/check-models

models-full:
	./scripts/check-models --full

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
	./scripts/fuzz-images $(FUZZ_RUNS)

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
	$(VENV)/bin/python scripts/bench/mesh $(RELEASE_BIN)
	$(SWIFT) run -c release weft-micro

DEB_CONFIG ?= release
DEB_BIN := $(CURDIR)/.build-deb/$(DEB_CONFIG)/weft

man: build
	$(PYTHON) scripts/gen-manpage $(DEBUG_BIN) > docs/weft.1

# The binary embeds the document, so a changed document needs one more build.
openapi: build
	$(PYTHON) scripts/gen-openapi $(DEBUG_BIN)
	$(PYTHON) scripts/gen-api-html
	$(SWIFT) build

# The package's binary carries the Swift runtime (--static-swift-stdlib): Debian has none.
# Its own scratch path: objects built for the static runtime must not be linked into
# .build's ordinary binaries (they name the static Foundation libraries).
deb:
	$(SWIFT) build -c $(DEB_CONFIG) --static-swift-stdlib --scratch-path .build-deb --product weft
	./scripts/make-deb $(DEB_BIN) dist

# Not part of `make test`: the first run debootstraps Debian 12 (a few minutes, cached in
# /var/cache/weft-test); later runs take about a minute.
deb-test: deb
	./scripts/deb-test dist/weft_$$($(DEB_BIN) --version | awk '{print $$2}')_$$(dpkg --print-architecture).deb

clean:
	rm -rf .build $(VENV) test-artifacts dist
