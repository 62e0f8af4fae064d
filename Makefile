# The front door. `make run` and `make test` are all a newcomer needs (see README.md).
SHELL := /bin/bash
JOBS ?= $(shell nproc)
HOST ?= 127.0.0.1
PORT ?= 1234
FUZZ_SECONDS ?= 60

.PHONY: all bootstrap build release run test test-long asan-test bench fuzz clean

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	cmake --preset dev
	cmake --build --preset dev -j $(JOBS)

release: bootstrap
	cmake --preset release
	cmake --build --preset release -j $(JOBS)

# Starts the server on $(HOST):$(PORT) with a durable store.
run: release
	@scripts/run "$(HOST)" "$(PORT)"

# Every test: the C++ suites (ctest) and the interop tests against real Yjs peers.
test: build
	ctest --preset dev
	scripts/interop-test build/dev

# The long differential run against yjs (10,000 seeds).
test-long: build
	YWS_DIFF_SEEDS=10000 scripts/interop-test build/dev

asan-test: bootstrap
	cmake --preset asan
	cmake --build --preset asan -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --preset asan

bench: release
	scripts/bench build/release

fuzz: bootstrap
	cmake --preset fuzz
	cmake --build --preset fuzz -j $(JOBS)
	scripts/fuzz build/fuzz $(FUZZ_SECONDS)

clean:
	rm -rf build
