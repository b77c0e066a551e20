#!/usr/bin/env bash
# `make release`: what a provider registry serves, in dist/ (or --out DIR):
#   terraform-provider-alicloud_<version>_<os>_<arch>.zip   the binary, as terraform-provider-alicloud_v<version>
#                                                           (.exe on Windows), one zip per platform
#   terraform-provider-alicloud_<version>_manifest.json     the plugin protocols it speaks (5.0 and 6.0)
#   terraform-provider-alicloud_<version>_SHA256SUMS        the zips and the manifest
#   terraform-provider-alicloud_<version>_SHA256SUMS.sig    a detached GPG signature of that file
#
# Signed with the key whose fingerprint is in RELEASE_GPG_FINGERPRINT (from GNUPGHOME, if set).
# The zip is reproducible: fixed timestamps and modes, so the same binary gives the same bytes.
#
#   scripts/release.sh [--binary PLATFORM=PATH ...] [--out DIR]
#     --binary  package these binaries instead of building (tests package a debug build)
#     --out     write there instead of dist/
# Without --binary, scripts/cross-build.sh builds the platforms in PLATFORMS (a space-separated
# subset, for a quick local release), by default all five: linux_amd64, linux_arm64,
# darwin_amd64, darwin_arm64 and windows_amd64.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

declare -A binaries=()
out="$root/dist"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --binary)
      [[ $2 == *_*=* ]] || { echo "release.sh: --binary takes PLATFORM=PATH, as linux_amd64=target/x" >&2; exit 2; }
      binaries[${2%%=*}]=${2#*=}
      shift 2
      ;;
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
name="terraform-provider-alicloud_${version}"

if ((${#binaries[@]} == 0)); then
  read -r -a platforms <<< "${PLATFORMS:-$(scripts/cross-build.sh --list)}"
  scripts/cross-build.sh "${platforms[@]}"
  for platform in "${platforms[@]}"; do
    binaries[$platform]=$(scripts/cross-build.sh --path "$platform")
  done
fi
for platform in "${!binaries[@]}"; do
  [[ -f "${binaries[$platform]}" ]] || { echo "release.sh: $platform: ${binaries[$platform]} is not a file" >&2; exit 2; }
done

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

for platform in "${!binaries[@]}"; do
  entry="terraform-provider-alicloud_v${version}"
  [[ $platform == windows_* ]] && entry+=.exe
  python3 - "${binaries[$platform]}" "$out/${name}_${platform}.zip" "$entry" <<'PY'
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
done

(cd "$out" && sha256sum -- *.zip "${name}_manifest.json" | LC_ALL=C sort -k2 > "${name}_SHA256SUMS")
gpg --batch --yes --local-user "$fingerprint" --detach-sign \
  --output "$out/${name}_SHA256SUMS.sig" "$out/${name}_SHA256SUMS"
gpg --batch --verify "$out/${name}_SHA256SUMS.sig" "$out/${name}_SHA256SUMS" 2> /dev/null \
  || { echo "release.sh: the signature does not verify" >&2; exit 1; }
ls -l "$out"
