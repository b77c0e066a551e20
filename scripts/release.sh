#!/usr/bin/env bash
# `make release`: the artifacts a Terraform registry expects, in dist/:
#   terraform-provider-alicloud_<version>_<os>_<arch>.zip, ..._SHA256SUMS, ..._manifest.json
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
os=linux
case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64) arch=arm64 ;;
  *) arch=$(uname -m) ;;
esac
name="terraform-provider-alicloud_${version}"
cargo build --release --bin terraform-provider-alicloud --quiet
rm -rf dist && mkdir -p dist
cat > dist/terraform-registry-manifest.json <<JSON
{
  "version": 1,
  "metadata": {
    "protocol_versions": ["6.0"]
  }
}
JSON
python3 - "$name" "$os" "$arch" <<'PY'
import os, sys, zipfile
name, os_, arch = sys.argv[1:]
zip_path = f"dist/{name}_{os_}_{arch}.zip"
with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as z:
    info = zipfile.ZipInfo(f"terraform-provider-alicloud_v{name.split('_')[1]}")
    info.external_attr = 0o755 << 16
    with open("target/release/terraform-provider-alicloud", "rb") as f:
        z.writestr(info, f.read(), zipfile.ZIP_DEFLATED)
PY
cp dist/terraform-registry-manifest.json "dist/${name}_manifest.json"
(cd dist && sha256sum "${name}_${os}_${arch}.zip" "${name}_manifest.json" > "${name}_SHA256SUMS")
ls -l dist
