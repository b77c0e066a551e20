#!/usr/bin/env bash
# `make release`: what a provider registry serves, in dist/ (or --out DIR):
#   terraform-provider-alicloud_<version>_<os>_<arch>.zip   the binary, as terraform-provider-alicloud_v<version>
#   terraform-provider-alicloud_<version>_manifest.json     the plugin protocols it speaks (5.0 and 6.0)
#   terraform-provider-alicloud_<version>_SHA256SUMS        the zips and the manifest
#   terraform-provider-alicloud_<version>_SHA256SUMS.sig    a detached GPG signature of that file
#
# Signed with the key whose fingerprint is in RELEASE_GPG_FINGERPRINT (from GNUPGHOME, if set).
# The zip is reproducible: fixed timestamps and modes, so the same binary gives the same bytes.
#
#   scripts/release.sh [--binary PATH] [--out DIR]
#     --binary  package this binary instead of building target/release (tests package a debug build)
#     --out     write there instead of dist/
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

binary="" out="$root/dist"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "release.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

fingerprint=${RELEASE_GPG_FINGERPRINT:-}
if [[ -z "$fingerprint" ]]; then
  echo "release.sh: set RELEASE_GPG_FINGERPRINT to the fingerprint of the signing key (gpg --list-secret-keys --with-colons)" >&2
  exit 2
fi
command -v gpg > /dev/null || { echo "release.sh: gpg is needed to sign SHA256SUMS (Debian: apt-get install gpg)" >&2; exit 2; }

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
# Only Linux binaries are built here: the machines have no Rust standard library for other targets.
os=linux
case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64) arch=arm64 ;;
  *) echo "release.sh: no registry name for architecture $(uname -m)" >&2; exit 2 ;;
esac
name="terraform-provider-alicloud_${version}"

if [[ -z "$binary" ]]; then
  # Paths of the checkout and of Cargo's registry are remapped, so the binary does not depend
  # on where the tree or Cargo's home lies. Its own target directory keeps these flags from
  # invalidating the everyday release build's cache.
  cargo_home=${CARGO_HOME:-$HOME/.cargo}
  RUSTFLAGS="--remap-path-prefix=$root=/build --remap-path-prefix=$cargo_home=/cargo" \
    CARGO_TARGET_DIR="$root/target/dist" \
    cargo build --release --locked --bin terraform-provider-alicloud --quiet
  binary=target/dist/release/terraform-provider-alicloud
fi
[[ -x "$binary" ]] || { echo "release.sh: $binary is not an executable" >&2; exit 2; }

rm -rf "$out" && mkdir -p "$out"
# Terraform's registry client accepts every protocol listed and installs the version when it
# speaks any of them: 0.13 and 0.14 speak only 5, later clients both.
cat > "$out/${name}_manifest.json" <<JSON
{
  "version": 1,
  "metadata": {
    "protocol_versions": ["5.0", "6.0"]
  }
}
JSON

python3 - "$binary" "$out/${name}_${os}_${arch}.zip" "terraform-provider-alicloud_v${version}" <<'PY'
import sys, zipfile
binary, zip_path, entry = sys.argv[1:]
with open(binary, "rb") as f:
    data = f.read()
# Fixed time and mode, Unix attributes: the same binary always gives the same zip.
info = zipfile.ZipInfo(entry, date_time=(1980, 1, 1, 0, 0, 0))
info.create_system = 3
info.external_attr = 0o100755 << 16
info.compress_type = zipfile.ZIP_DEFLATED
with zipfile.ZipFile(zip_path, "w") as z:
    z.writestr(info, data, compresslevel=9)
PY

(cd "$out" && sha256sum -- *.zip "${name}_manifest.json" | LC_ALL=C sort -k2 > "${name}_SHA256SUMS")
gpg --batch --yes --local-user "$fingerprint" --detach-sign \
  --output "$out/${name}_SHA256SUMS.sig" "$out/${name}_SHA256SUMS"
gpg --batch --verify "$out/${name}_SHA256SUMS.sig" "$out/${name}_SHA256SUMS" 2> /dev/null \
  || { echo "release.sh: the signature does not verify" >&2; exit 1; }
ls -l "$out"
