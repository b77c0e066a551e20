# The two quickstart commands are `make demo` and `make test`; everything else supports them.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
TOOLS := $(CURDIR)/.tools
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
PLUGIN_DIR := $(HOME)/.terraform.d/plugins/registry.terraform.io/alicloud-rs/alicloud/$(VERSION)/linux_amd64

.PHONY: demo test testacc tools build install release docs bench fuzz fmt lint clean

## Builds everything, starts sas-emulator, and runs init/apply/plan/destroy on examples/quickstart.
demo:
	scripts/demo.sh

## Every test: unit, integration, and the real-client suite (the compatibility matrix).
test: tools
	$(CARGO) build --bins
	TF_TOOLS_DIR=$(TOOLS) $(CARGO) test --lib --bins --tests

## The acceptance scenarios against the real Security Center API (needs TF_ACC=1 and
## ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET, ALIBABA_CLOUD_REGION), then the sweeper.
testacc: tools
	@test "$${TF_ACC:-}" = 1 || { echo "make testacc runs against your Alibaba Cloud account: set TF_ACC=1 and credentials" >&2; exit 1; }
	$(CARGO) build --bins
	TF_TOOLS_DIR=$(TOOLS) $(CARGO) test --test terraform_registry --test terraform_registry_more -- --test-threads=1
	TF_TOOLS_DIR=$(TOOLS) $(CARGO) test --test acceptance_sweep

## Installs the pinned clients (Terraform 0.13.4, 1.0.3 and 1.8.5, OpenTofu 1.12.6) and the
## null provider into .tools/, each checked; the Go-built ones use Go's caches (built once).
tools:
	scripts/install-tools.sh

## Release binaries of the provider and the emulator.
build:
	$(CARGO) build --release --bins

## Installs the provider where Terraform finds it: ~/.terraform.d/plugins (implied local mirror).
install:
	$(CARGO) build --release --bin terraform-provider-alicloud
	mkdir -p $(PLUGIN_DIR)
	install -m 0755 target/release/terraform-provider-alicloud $(PLUGIN_DIR)/terraform-provider-alicloud_v$(VERSION)
	@echo "installed into $(PLUGIN_DIR)"

## Registry-style zip, SHA256SUMS and manifest in dist/.
release:
	scripts/release.sh

## Regenerates docs/ from the schema descriptions and examples/.
docs:
	UPDATE_DOCS=1 $(CARGO) test --test docs

## Benchmarks against HashiCorp's null provider (medians and ratios), then the micro-benchmarks.
## BENCH_APPLY_N=10,100,300 and BENCH_APPLY_ROUNDS=3 shape the apply benchmark.
bench: tools
	TF_TOOLS_DIR=$(TOOLS) $(CARGO) bench --bench plugin_lifecycle --bench terraform_apply \
		--bench emulator_throughput --bench micro

## Fuzzes the msgpack decoder, the provider-config decoder and the validators, FUZZ_SECONDS
## (default 600) each. Needs a nightly toolchain; installs cargo-fuzz into $(TOOLS)/cargo.
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= msgpack_decoder config_decoder validators
fuzz:
	scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings

clean:
	$(CARGO) clean
	rm -rf dist .demo
