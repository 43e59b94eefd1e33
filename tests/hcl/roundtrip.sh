#!/usr/bin/env bash
# roundtrip.sh HCL_GEN WORKDIR: writes hostile strings as HCL string values,
# template literals, object keys and block labels, then reads them back
# with @cdktf/hcl2json and with terraform itself (init + apply of a config
# that has only locals and outputs: no provider, no network) and checks
# every one is the same literal string. Tools are required, never skipped.
set -euo pipefail
gen=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
export TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
for tool in node terraform; do
  if ! command -v $tool >/dev/null; then
    echo "hcl_injection_roundtrip: $tool not found on PATH" >&2
    exit 1
  fi
done
modules=$("$here/../tools/ensure-npm" @cdktf/hcl2json)
rm -rf "$work"
"$gen" inject "$work"
terraform -chdir="$work/tf" init -no-color -input=false >"$work/init.log"
terraform -chdir="$work/tf" apply -no-color -input=false -auto-approve >"$work/apply.log"
terraform -chdir="$work/tf" output -no-color -json >"$work/tf-output.json"
node "$here/roundtrip.mjs" "$work" "$modules"
