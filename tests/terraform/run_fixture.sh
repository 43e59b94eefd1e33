#!/usr/bin/env bash
# run_fixture.sh FIXTURE_DIR: runs check_tree.mjs on one fixture tree from
# inside it and compares its output with FIXTURE_DIR/expected, byte for
# byte. An empty expected means the tree must pass (exit 0); otherwise
# check_tree must report exactly those problems and exit 1.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fixture=$1
cd "$fixture" || exit 2
if ! command -v node >/dev/null; then
  echo "run_fixture: node not found on PATH" >&2
  exit 1
fi
got=$(node "$here/check_tree.mjs" . 2>&1)
status=$?
want=$(cat expected)
if [ "$got" != "$want" ]; then
  echo "check_tree output differs from $fixture/expected:" >&2
  diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") >&2
  exit 1
fi
if [ -z "$want" ] && [ $status -ne 0 ]; then
  echo "check_tree failed (exit $status) on a tree that must pass" >&2
  exit 1
fi
if [ -n "$want" ] && [ $status -ne 1 ]; then
  echo "check_tree exited $status, want 1" >&2
  exit 1
fi
echo "$(basename "$fixture"): as expected"
