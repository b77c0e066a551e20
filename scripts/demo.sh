#!/usr/bin/env bash
# `make demo`: the whole lifecycle of a registry against a local sas-emulator, with real
# Terraform, no cloud account and no prompts. Exits non-zero on any failure; safe to rerun.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
demo="$root/.demo"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# The client already on PATH (terraform, else tofu) when it is 1.0 or newer; DEMO_CLIENT names
# another binary. Sets `terraform` and `terraform_version`; the version is read once, offline,
# from `version` in an empty environment.
terraform="" terraform_version=""
client_on_path() {
  local candidate line
  for candidate in ${DEMO_CLIENT:-terraform tofu}; do
    candidate=$(command -v "$candidate") || continue
    line=$(env -i HOME="$demo" CHECKPOINT_DISABLE=1 "$candidate" version 2>/dev/null) || continue
    line=${line%%$'\n'*}
    if [[ "$line" =~ v([0-9]+)\.([0-9]+)\.([0-9]+) ]] && ((BASH_REMATCH[1] >= 1)); then
      terraform=$candidate terraform_version=$line
      return
    fi
    echo "demo: $candidate is ${line:-of an unknown version}; the demo needs 1.0 or newer" >&2
  done
}

step "Building release binaries"
cargo build --release --workspace --bins --quiet
mkdir -p "$demo"
client_on_path
if [[ -n "$terraform" ]]; then
  echo "using $terraform_version from $terraform (on PATH)"
else
  echo "no terraform or tofu 1.0+ on PATH: installing the pinned Terraform 1.0.3 into .tools"
  scripts/install-tools.sh terraform-1.0.3 # the one client the demo runs, not the test matrix
  terraform="$root/.tools/bin/terraform"
fi

# A fresh working directory each run: the emulator starts empty, so old state would lie.
rm -rf "$demo"
mkdir -p "$demo/work"
cp examples/quickstart/main.tf "$demo/work/main.tf"
# Under both default registry hosts: Terraform's and OpenTofu's.
for host in registry.terraform.io registry.opentofu.org; do
  mirror="$demo/mirror/$host/alicloud-rs/alicloud/$version/linux_amd64"
  mkdir -p "$mirror"
  cp target/release/terraform-provider-alicloud "$mirror/terraform-provider-alicloud_v$version"
done
cat > "$demo/terraformrc" <<RC
provider_installation {
  filesystem_mirror {
    path = "$demo/mirror"
  }
}
RC

step "Starting sas-emulator on loopback"
# Throwaway keys the emulator accepts; nothing here reaches a real account.
demo_key_id="LTAIdemo$RANDOM"
demo_key_secret="demo-secret-$RANDOM$RANDOM"
target/release/sas-emulator --listen 127.0.0.1:0 \
  --access-key-id "$demo_key_id" --access-key-secret "$demo_key_secret" --state-file "$demo/emulator-state.json" > "$demo/emulator.out" 2> "$demo/emulator.log" &
emulator_pid=$!
trap 'kill "$emulator_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  addr=$(grep -o '127\.0\.0\.1:[0-9]*' "$demo/emulator.out" | head -1 || true)
  [[ -n "$addr" ]] && break
  sleep 0.05
done
[[ -n "${addr:-}" ]] || { echo "sas-emulator did not start" >&2; cat "$demo/emulator.log" >&2; exit 1; }
echo "sas-emulator listening on $addr"

export TF_CLI_CONFIG_FILE="$demo/terraformrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
export ALIBABA_CLOUD_ENDPOINT_SAS="$addr"
export ALIBABA_CLOUD_ACCESS_KEY_ID="$demo_key_id" ALIBABA_CLOUD_ACCESS_KEY_SECRET="$demo_key_secret"
tf() { "$terraform" -chdir="$demo/work" "$@"; }

step "terraform init"
tf init -input=false -no-color | grep -E 'Installing|Installed|initialized' || true

step "terraform apply"
tf apply -auto-approve -input=false -no-color

step "terraform plan (must show no changes)"
set +e
tf plan -input=false -no-color -detailed-exitcode
code=$?
set -e
[[ $code -eq 0 ]] || { echo "the second plan was not empty (exit $code)" >&2; exit 1; }

step "Outputs"
tf output -no-color

step "What the emulator holds"
python3 - "$addr" <<'PY'
import json, sys, urllib.request
with urllib.request.urlopen(f"http://{sys.argv[1]}/_emulator/registries") as r:
    print(json.dumps(json.load(r), indent=2))
PY

step "terraform destroy"
tf destroy -auto-approve -input=false -no-color

left=$(python3 - "$addr" <<'PY'
import json, sys, urllib.request
with urllib.request.urlopen(f"http://{sys.argv[1]}/_emulator/registries") as r:
    data = json.load(r)
print(len(data if isinstance(data, list) else data.get("Registries", [])))
PY
)
[[ "$left" == "0" ]] || { echo "destroy left $left registries behind" >&2; exit 1; }
step "Done: created, planned clean, destroyed; nothing left in the emulator"
