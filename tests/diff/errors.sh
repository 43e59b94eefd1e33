#!/usr/bin/env bash
# errors: bad input to `infrac diff` gets a clear message on stderr, nothing
# on stdout and exit status 2 -- never a partial report.
set -uo pipefail
infrac=${INFRAC:?set INFRAC to the infrac binary}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 passes=0
expect() {   # expect NAME PATTERN INFRAC-ARGS...
  local name=$1 pattern=$2; shift 2
  (cd "$here" && "$infrac" "$@" >"$tmp/out" 2>"$tmp/err"); local rc=$?
  if [ $rc != 2 ] || [ -s "$tmp/out" ] || ! grep -q -- "$pattern" "$tmp/err"; then
    echo "errors: FAIL: $name: exit $rc, stdout $(wc -c <"$tmp/out") bytes, stderr:" >&2; cat "$tmp/err" >&2
    fails=$((fails + 1))
  else
    passes=$((passes + 1))
  fi
}
printf 'infrac: 1\nname: bad\nregion: us-east-1\nnetwork: {cidr: 10.0.0.1/16}\n' >"$tmp/bad.yaml"
expect "an invalid new spec" "bad.yaml:4:17: error: network.cidr" diff vpc-cidr/old.yaml "$tmp/bad.yaml"
expect "an invalid old spec" "bad.yaml:4:17: error: network.cidr" diff "$tmp/bad.yaml" vpc-cidr/new.yaml
expect "a missing file" "cannot read the file" diff vpc-cidr/old.yaml "$tmp/none.yaml"
expect "one spec without --base" "diff takes OLD and NEW" diff vpc-cidr/old.yaml
expect "three specs" "diff takes OLD and NEW" diff vpc-cidr/old.yaml vpc-cidr/new.yaml vpc-cidr/new.yaml
expect "an unknown format" "unknown format 'html'" diff --format html vpc-cidr/old.yaml vpc-cidr/new.yaml
expect "an environment neither side declares" "unknown environment" diff --env qa vpc-cidr/old.yaml vpc-cidr/new.yaml
expect "--env with --all-envs" "exclude each other" diff --env dev --all-envs vpc-cidr/old.yaml vpc-cidr/new.yaml
expect "nothing on either side" "at least one of OLD and NEW" diff /dev/null /dev/null
mkdir -p "$tmp/tpl/diff"
printf 'kinds: [vpc\n' >"$tmp/tpl/diff/replace.yaml"
expect "a broken template" "tpl/diff/replace.yaml" --templates "$tmp/tpl" diff vpc-cidr/old.yaml vpc-cidr/new.yaml
echo "errors: $passes passed, $fails failed"
[ $fails = 0 ]
