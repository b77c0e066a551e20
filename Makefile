# The two quickstart commands are `make demo` and `make test`; everything else supports them.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
TOOLS := $(CURDIR)/.tools
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
PLUGIN_DIR := $(HOME)/.terraform.d/plugins/registry.terraform.io/alicloud-rs/alicloud/$(VERSION)/linux_amd64

.PHONY: demo test testacc testacc-proof tools cross build install release docs bench fuzz fmt lint clean

## Builds everything, starts sas-emulator, and runs init/apply/plan/destroy on examples/quickstart.
demo:
	scripts/demo.sh

## Every test: unit, integration, and the real-client suite (the compatibility matrix), with the
## other platforms' release builds run under qemu and wine or checked by structure.
test: tools cross
	$(CARGO) build --workspace --bins
	TF_TOOLS_DIR=$(TOOLS) $(CARGO) test --workspace --lib --bins --tests

## The acceptance scenarios against the real Security Center API (needs TF_ACC=1 and
## ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET, ALIBABA_CLOUD_REGION), then the sweeper, which runs
## whatever their outcome. Each run has its own id (TF_ACC_RUN_ID), so runs may overlap.
testacc: tools
	CARGO=$(CARGO) TF_TOOLS_DIR=$(TOOLS) scripts/testacc.sh

## Proves testacc is CI-safe: two runs at once, and a failing run, against one standalone
## sas-emulator posing as the account, leave nothing behind. CI runs it after `make test`.
testacc-proof: tools
	TF_TOOLS_DIR=$(TOOLS) scripts/testacc-proof.sh

## Installs the pinned clients (Terraform 0.13.4, 1.0.3, 1.8.5 and 1.16.4, OpenTofu 1.12.6), the null
## provider and the official Sas Python SDK into .tools/, each checked, GnuPG where it is
## missing, and the cross toolchain (Debian's rustc-web, zig, qemu, wine); the Go-built clients
## use Go's caches (built once).
tools:
	scripts/install-tools.sh

## Release builds for the platforms this machine cannot build natively (linux_arm64, darwin_amd64,
## darwin_arm64, windows_amd64) into target/cross/<platform>/, as `make release` packages them.
CROSS_PLATFORMS ?= linux_arm64 darwin_amd64 darwin_arm64 windows_amd64
cross:
	scripts/install-tools.sh cross
	scripts/cross-build.sh $(CROSS_PLATFORMS)

## Release binaries of the provider and the emulator.
build:
	$(CARGO) build --release --workspace --bins

## Installs the provider where Terraform finds it: ~/.terraform.d/plugins (implied local mirror).
install:
	$(CARGO) build --release --bin terraform-provider-alicloud
	mkdir -p $(PLUGIN_DIR)
	install -m 0755 target/release/terraform-provider-alicloud $(PLUGIN_DIR)/terraform-provider-alicloud_v$(VERSION)
	@echo "installed into $(PLUGIN_DIR)"

## What a registry serves, in dist/: a reproducible zip per platform, the manifest (protocols 5.0
## and 6.0), SHA256SUMS and its detached signature by the GnuPG key in RELEASE_GPG_FINGERPRINT.
## PLATFORMS="linux_amd64 darwin_arm64" picks a subset; by default all five.
release:
	scripts/install-tools.sh cross
	PLATFORMS="$(PLATFORMS)" scripts/release.sh

## Regenerates docs/ from the schema descriptions and examples/.
docs:
	UPDATE_DOCS=1 $(CARGO) test --test docs

## Benchmarks against HashiCorp's null provider (medians and ratios), then the micro-benchmarks.
## BENCH_APPLY_N=10,100,300, BENCH_APPLY_ROUNDS=3, BENCH_CLIENTS=terraform-1.0.3,terraform-1.16.4,tofu-1.12.6
## and BENCH_LATENCY_MS=50 (0 skips the run with latency) shape the apply benchmark: apply and plan
## against null+data, API calls of the apply and the destroy by action, and the apply on a slow
## network against its floor.
bench: tools
	$(CARGO) build --release -p sas-emulator
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
	$(CARGO) clippy --workspace --all-targets -- -D warnings

clean:
	$(CARGO) clean
	rm -rf dist .demo
