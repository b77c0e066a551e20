#!/usr/bin/env bash
# `make testacc`: the acceptance scenarios against the API in the environment (the real one, or
# anything posing as it), then the sweeper, which runs whatever the scenarios' outcome; the exit
# status is the scenarios' (or the sweeper's, if only it failed).
#
# Every run has an id (TF_ACC_RUN_ID, made here unless given) that its registries carry in their
# domain names, so two runs on one account neither collide nor sweep each other; the sweeper
# deletes this run's registries and those of runs started more than 6 hours ago.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cargo=${CARGO:-cargo}

if [[ "${TF_ACC:-}" != 1 ]]; then
  echo "make testacc runs against your Alibaba Cloud account: set TF_ACC=1 and credentials" >&2
  exit 1
fi
if [[ -z "${TF_ACC_RUN_ID:-}" ]]; then
  TF_ACC_RUN_ID="r$(date +%s)-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
fi
export TF_ACC_RUN_ID TF_TOOLS_DIR="${TF_TOOLS_DIR:-$root/.tools}"
echo "testacc: run $TF_ACC_RUN_ID" >&2

"$cargo" build --workspace --bins || exit $?
status=0
"$cargo" test --test terraform_registry --test terraform_registry_more -- --test-threads=1 || status=$?
"$cargo" test --test acceptance_sweep sweeper -- --test-threads=1 || { [[ $status != 0 ]] || status=$?; }
echo "testacc: run $TF_ACC_RUN_ID done, status $status" >&2
exit "$status"
