#!/usr/bin/env bash
# Release builds of the provider for the platforms a registry serves, each left at
#   target/cross/<os>_<arch>/terraform-provider-alicloud[.exe]
# (the registry's platform names; this file is the one place that maps them to Rust targets).
#
#   scripts/cross-build.sh [PLATFORM ...]     default: every platform in `platforms` below
#   scripts/cross-build.sh --list             the platforms, on one line
#   scripts/cross-build.sh --path PLATFORM    where its binary is left
#
# linux_amd64 is built by the everyday toolchain (rustup's). The others need a standard library
# rustup here cannot fetch, so Debian's rustc-web builds std from its source (-Zbuild-std, under
# RUSTC_BOOTSTRAP), zig links through cargo-zigbuild, and Windows links with mingw-w64 (zig's
# link wants `ssp_nonshared`, which zig lacks). `scripts/install-tools.sh cross` installs all of
# it. darwin links against framework stubs generated from the crates' declarations
# (scripts/macos-framework-stubs.py): no Apple SDK file is used.
#
# Paths of the checkout and of Cargo's home are remapped, so a binary does not depend on where
# the tree lies, and the same sources give the same bytes (release.sh zips them reproducibly).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

platforms=(linux_amd64 linux_arm64 darwin_amd64 darwin_arm64 windows_amd64)

die() { echo "cross-build: $*" >&2; exit 1; }

triple_of() {
  case "$1" in
    linux_amd64) echo x86_64-unknown-linux-gnu ;;
    # zigbuild's suffix sets the glibc floor: 2.17 runs on every arm64 Linux still supported.
    linux_arm64) echo aarch64-unknown-linux-gnu.2.17 ;;
    darwin_amd64) echo x86_64-apple-darwin ;;
    darwin_arm64) echo aarch64-apple-darwin ;;
    windows_amd64) echo x86_64-pc-windows-gnu ;;
    *) die "unknown platform \"$1\"; the platforms are: ${platforms[*]}" ;;
  esac
}

exe_of() { [[ $1 == windows_* ]] && echo terraform-provider-alicloud.exe || echo terraform-provider-alicloud; }

# Where a platform's binary is left, relative to the checkout.
path_of() { echo "target/cross/$1/$(exe_of "$1")"; }

cargo_home=${CARGO_HOME:-$HOME/.cargo}
remap="--remap-path-prefix=$root=/build --remap-path-prefix=$cargo_home=/cargo"
# The same for the C that `ring` compiles (its asserts name their files).
export CFLAGS="${CFLAGS:+$CFLAGS }-ffile-prefix-map=$root=/build -ffile-prefix-map=$cargo_home=/cargo"
cross_dir="$root/target/cross"
zig_dir="$root/.tools/cross/python"

# One platform's build, by the toolchain it needs; prints nothing but Cargo's progress.
build() {
  local platform=$1 triple
  triple=$(triple_of "$platform")
  if [[ $platform == linux_amd64 ]]; then
    # Its own target directory keeps these flags from invalidating the everyday build's cache.
    RUSTFLAGS="$remap" CARGO_TARGET_DIR="$cross_dir/host" \
      cargo build --release --locked --bin terraform-provider-alicloud --quiet
    built="$cross_dir/host/release/terraform-provider-alicloud"
    return
  fi
  [[ -x /usr/bin/cargo && -x "$zig_dir/bin/cargo-zigbuild" ]] \
    || die "the cross toolchain is missing: run scripts/install-tools.sh cross"
  # Debian's cargo and rustc, ahead of rustup's shims; zig where cargo-zigbuild looks.
  local -a env=(PATH="$zig_dir/bin:$zig_dir/ziglang:/usr/bin:$PATH" CARGO=/usr/bin/cargo
    RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 RUSTFLAGS="$remap"
    CARGO_TARGET_DIR="$cross_dir")
  local -a build_std=(--release --locked -Zbuild-std=std,panic_abort --bin terraform-provider-alicloud)
  case "$platform" in
    darwin_*)
      local sdk="$root/.tools/cross/macos-sdk"
      env "${env[@]}" python3 scripts/macos-framework-stubs.py "$sdk"
      # rustc strips Mach-O with rust-objcopy, which Debian's rustc-web does not ship, and a
      # strip after the link would void the linker's ad-hoc signature: so zig's linker strips
      # (-s), before it signs. That also drops the debug map, which names the linker's
      # temporary directories and so would differ from build to build.
      env "${env[@]}" RUSTFLAGS="$remap -C link-arg=-s" SDKROOT="$sdk" \
        CARGO_PROFILE_RELEASE_STRIP=false cargo zigbuild "${build_std[@]}" --target "$triple"
      ;;
    windows_*)
      # The PE header's link time would make every build differ: left out.
      env "${env[@]}" RUSTFLAGS="$remap -C link-arg=-Wl,--no-insert-timestamp" \
        CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc \
        CC_x86_64_pc_windows_gnu=x86_64-w64-mingw32-gcc AR_x86_64_pc_windows_gnu=x86_64-w64-mingw32-ar \
        cargo build "${build_std[@]}" --target "$triple"
      ;;
    *) env "${env[@]}" cargo zigbuild "${build_std[@]}" --target "$triple" ;;
  esac
  # zigbuild's glibc suffix is not part of the output directory's name.
  built="$cross_dir/${triple%%.[0-9]*}/release/$(exe_of "$platform")"
}

case "${1:-}" in
  --list) echo "${platforms[*]}"; exit ;;
  --path) triple_of "$2" > /dev/null && path_of "$2"; exit ;;
esac

selected=("$@")
((${#selected[@]})) || selected=("${platforms[@]}")
for platform in "${selected[@]}"; do
  triple_of "$platform" > /dev/null
done
for platform in "${selected[@]}"; do
  start=$SECONDS
  echo "cross-build: $platform ($(triple_of "$platform"))" >&2
  build "$platform"
  [[ -f "$built" ]] || die "$platform: no binary at $built"
  mkdir -p "$cross_dir/$platform"
  cp -p "$built" "$root/$(path_of "$platform")"
  echo "cross-build: $platform in $((SECONDS - start)) s: $(path_of "$platform")" >&2
done
