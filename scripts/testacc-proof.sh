#!/usr/bin/env bash
# Proves `make testacc` is safe for CI: a standalone sas-emulator poses as the cloud account;
# two runs at once must both pass and leave nothing; a run whose scenario fails must fail and
# still leave nothing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cargo build --workspace --bins --quiet
work=$(mktemp -d)
emulator_pid=
cleanup() {
  [[ -n "$emulator_pid" ]] && kill "$emulator_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

key_id="LTAIproof$RANDOM"
key_secret="proof-secret-$RANDOM$RANDOM"
target/debug/sas-emulator --listen 127.0.0.1:0 --access-key-id "$key_id" \
  --access-key-secret "$key_secret" > "$work/emulator.out" 2> "$work/emulator.log" &
emulator_pid=$!
addr=
for _ in $(seq 1 100); do
  addr=$(grep -o '127\.0\.0\.1:[0-9]*' "$work/emulator.out" | head -1 || true)
  [[ -n "$addr" ]] && break
  sleep 0.05
done
[[ -n "$addr" ]] || { echo "testacc-proof: sas-emulator did not start" >&2; exit 1; }

export TF_ACC=1 TF_ACC_PROTOCOL=HTTP ALIBABA_CLOUD_ENDPOINT_SAS="$addr" \
  ALIBABA_CLOUD_ACCESS_KEY_ID="$key_id" ALIBABA_CLOUD_ACCESS_KEY_SECRET="$key_secret" \
  ALIBABA_CLOUD_REGION=cn-hangzhou
unset TF_ACC_RUN_ID TF_ACC_FAIL_AFTER_STEP

registries() {
  python3 -c 'import json,sys,urllib.request; print(len(json.load(urllib.request.urlopen("http://'"$addr"'/_emulator/registries"))["Registries"]))'
}

echo "testacc-proof: two runs at once against one account ($addr)" >&2
scripts/testacc.sh > "$work/a.log" 2>&1 & a=$!
scripts/testacc.sh > "$work/b.log" 2>&1 & b=$!
status_a=0; wait "$a" || status_a=$?
status_b=0; wait "$b" || status_b=$?
if [[ $status_a != 0 || $status_b != 0 ]]; then
  echo "testacc-proof: parallel runs failed ($status_a, $status_b)" >&2
  tail -n 80 "$work/a.log" "$work/b.log" >&2
  exit 1
fi
left=$(registries)
[[ "$left" == 0 ]] || { echo "testacc-proof: $left registries left after two runs" >&2; exit 1; }
echo "testacc-proof: both runs passed; nothing left" >&2

echo "testacc-proof: a run whose scenario fails after its first apply" >&2
failed=0
TF_ACC_FAIL_AFTER_STEP=1 scripts/testacc.sh > "$work/c.log" 2>&1 || failed=$?
if [[ $failed == 0 ]]; then
  echo "testacc-proof: the failing run exited 0" >&2; tail -n 40 "$work/c.log" >&2; exit 1
fi
grep -q "failing on purpose" "$work/c.log" || { echo "testacc-proof: the run failed for another reason" >&2; tail -n 60 "$work/c.log" >&2; exit 1; }
left=$(registries)
[[ "$left" == 0 ]] || { echo "testacc-proof: $left registries left by the failing run" >&2; exit 1; }
echo "testacc-proof: the failing run exited $failed and left nothing" >&2

echo "testacc-proof: a run with OIDC credentials alone (RRSA's three variables and a token file)" >&2
emulator_json() {
  python3 - "$addr" "$@" <<'PY'
import json, sys, urllib.request
addr, path, field = sys.argv[1:4]
body = sys.argv[4].encode() if len(sys.argv) > 4 else None
req = urllib.request.Request(f"http://{addr}{path}", data=body, method="POST" if body else "GET",
                             headers={"content-type": "application/json"})
print(json.load(urllib.request.urlopen(req))[field])
PY
}
emulator_json /_emulator/oidc/token token '{"expires_in": 3600}' > "$work/oidc-token"
oidc_failed=0
(
  unset ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET
  export ALIBABA_CLOUD_OIDC_PROVIDER_ARN="$(emulator_json /_emulator/oidc provider_arn)" \
    ALIBABA_CLOUD_OIDC_TOKEN_FILE="$work/oidc-token" \
    ALIBABA_CLOUD_ROLE_ARN="acs:ram::1234567890123456:role/testacc" \
    ALIBABA_CLOUD_ENDPOINT_STS="$addr"
  scripts/testacc.sh
) > "$work/d.log" 2>&1 || oidc_failed=$?
if [[ $oidc_failed != 0 ]]; then
  echo "testacc-proof: the OIDC run failed ($oidc_failed)" >&2; tail -n 80 "$work/d.log" >&2; exit 1
fi
left=$(registries)
[[ "$left" == 0 ]] || { echo "testacc-proof: $left registries left by the OIDC run" >&2; exit 1; }
# Every create of that run was signed by a key STS issued for the token, none by an AccessKey.
python3 - "$addr" <<'PY'
import json, sys, urllib.request
addr = sys.argv[1]
log = json.load(urllib.request.urlopen(f"http://{addr}/_emulator/requests"))
log = log if isinstance(log, list) else log.get("requests", [])
oidc = [e for e in log if e.get("action") == "AssumeRoleWithOIDC" and e.get("outcome") == "Success"]
if not oidc:
    sys.exit("testacc-proof: the OIDC run never called AssumeRoleWithOIDC")
first = min(e["seq"] for e in oidc)
after = [e for e in log if e["seq"] > first and e.get("action") == "AddPrivateRegistry"]
signers = {e.get("access_key_id") for e in after}
if not after or any(s is None or not s.startswith("STS.") for s in signers):
    sys.exit(f"testacc-proof: the OIDC run's creates were signed by {signers}")
PY
echo "testacc-proof: the OIDC run passed and left nothing" >&2
