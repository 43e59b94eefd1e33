#!/usr/bin/env bash
# git-base: `infrac diff --base REV SPEC` against a temporary git repository
# with two commits, the way a CI job on a pull request runs it. The spec
# includes one file beside it and one in a folder above; only an include
# changes between the commits, so the diff proves includes are read at REV.
set -uo pipefail
infrac=${INFRAC:?set INFRAC to the infrac binary}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 passes=0
check() {   # check NAME CONDITION-STATUS
  if [ "$2" = 0 ]; then passes=$((passes + 1)); else echo "git-base: FAIL: $1" >&2; fails=$((fails + 1)); fi
}
repo=$tmp/repo
mkdir -p "$repo/specs/shared" "$repo/common"
g() { git -C "$repo" -c user.name=infrac-test -c user.email=test@infrac.invalid -c commit.gpgsign=false "$@" >/dev/null; }
g init -q
cp "$here/_base/cartful.yaml" "$repo/specs/shared/base.yaml"
printf 'infrac: 1\ninclude: [shared/base.yaml, ../common/data.yaml]\n' >"$repo/specs/app.yaml"
printf 'databases: {orders: {instance: db.t4g.medium}}\n' >"$repo/common/data.yaml"
printf 'infrac: 1\nname: gone\nregion: us-east-1\nnetwork: {cidr: 10.5.0.0/24, azs: 1, nat: none, nacls: false, flow_logs: false}\n' >"$repo/specs/gone.yaml"
printf 'infrac: 1\nname: broken\nregion: us-east-1\nnetwork: {cidr: 10.5.0.1/24}\n' >"$repo/specs/broken.yaml"
g add -A && g commit -q -m one
printf 'databases: {orders: {instance: db.r7g.large}}\n' >"$repo/common/data.yaml"
g add -A && g commit -q -m two

cd "$repo"
out=$("$infrac" diff --base HEAD~1 specs/app.yaml 2>"$tmp/err"); rc=$?
check "an include changed between the commits: exit 1 (got $rc)" $([ $rc = 1 ]; echo $?)
check "the changed include shows as an in-place RDS change" \
  $(grep -q 'instance_class: "db.t4g.medium" -> "db.r7g.large"' <<<"$out"; echo $?)
check "the old side is labelled with the revision" $(grep -q '  old: HEAD~1:specs/app.yaml' <<<"$out"; echo $?)
check "only that resource changes" $(grep -q '^Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.$' <<<"$out"; echo $?)
check "nothing on stderr" $([ ! -s "$tmp/err" ]; echo $?)

# The same diff as comparing two files: the old ones written out by hand.
mkdir -p "$tmp/old/specs/shared" "$tmp/old/common"
for f in specs/app.yaml specs/shared/base.yaml common/data.yaml; do git show "HEAD~1:$f" >"$tmp/old/$f"; done
want=$("$infrac" diff "$tmp/old/specs/app.yaml" specs/app.yaml | grep -v '^  old: ')
check "--base gives what diffing the files at REV gives" $([ "$want" = "$(grep -v '^  old: ' <<<"$out")" ]; echo $?)

# From the spec's own folder, with a path relative to it.
(cd specs && "$infrac" diff --base HEAD~1 --format json app.yaml >"$tmp/sub.json"); rc=$?
check "from a subfolder: exit 1 (got $rc)" $([ $rc = 1 ]; echo $?)
check "from a subfolder: the JSON names the repository path at REV" \
  $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["old"]=="HEAD~1:specs/app.yaml" and d["environments"][0]["summary"]["change"]==1 else 1)' "$tmp/sub.json"; echo $?)

"$infrac" diff --base HEAD specs/app.yaml >/dev/null 2>&1; rc=$?
check "no difference against HEAD: exit 0 (got $rc)" $([ $rc = 0 ]; echo $?)

printf 'databases: {orders: {instance: db.r7g.xlarge}}\n' >common/data.yaml
"$infrac" diff --base HEAD specs/app.yaml >"$tmp/wt" 2>&1; rc=$?
check "an uncommitted include change against HEAD: exit 1 (got $rc)" $([ $rc = 1 ]; echo $?)
check "the working tree is the new side" $(grep -q '"db.r7g.large" -> "db.r7g.xlarge"' "$tmp/wt"; echo $?)

printf 'infrac: 1\nname: fresh\nregion: us-east-1\nnetwork: {cidr: 10.6.0.0/24, azs: 1, nat: none, nacls: false, flow_logs: false}\n' >specs/fresh.yaml
out=$("$infrac" diff --base HEAD specs/fresh.yaml 2>&1); rc=$?
check "a spec new since REV diffs against nothing: exit 1 (got $rc)" $([ $rc = 1 ]; echo $?)
check "a new spec: everything is created, nothing else" \
  $(grep -q '^Plan: [1-9][0-9]* to add, 0 to change, 0 to replace, 0 to destroy.$' <<<"$out" && grep -q 'note: the spec is new' <<<"$out"; echo $?)

rm specs/gone.yaml
out=$("$infrac" diff --base HEAD specs/gone.yaml 2>&1); rc=$?
check "a spec deleted since REV: exit 1 (got $rc)" $([ $rc = 1 ]; echo $?)
check "a deleted spec: everything is destroyed" \
  $(grep -q '^Plan: 0 to add, 0 to change, 0 to replace, [1-9][0-9]* to destroy.$' <<<"$out"; echo $?)

printf 'infrac: 1\nname: broken\nregion: us-east-1\nnetwork: {cidr: 10.5.0.0/24}\n' >specs/broken.yaml
"$infrac" diff --base HEAD specs/broken.yaml >"$tmp/out" 2>"$tmp/err"; rc=$?
check "a spec invalid at REV: exit 2 (got $rc)" $([ $rc = 2 ]; echo $?)
check "its error points into the file at REV" $(grep -q '^HEAD:specs/broken.yaml:4:' "$tmp/err"; echo $?)
check "nothing on stdout after an error" $([ ! -s "$tmp/out" ]; echo $?)

"$infrac" diff --base no-such-rev specs/app.yaml >"$tmp/out" 2>"$tmp/err"; rc=$?
check "an unknown revision: exit 2 (got $rc)" $([ $rc = 2 ]; echo $?)
check "an unknown revision is named" $(grep -q "unknown git revision 'no-such-rev'" "$tmp/err"; echo $?)
"$infrac" diff --base --upload-pack=x specs/app.yaml >/dev/null 2>"$tmp/err"; rc=$?
check "a revision that looks like an option is refused: exit 2 (got $rc)" $([ $rc = 2 ]; echo $?)
"$infrac" diff --base HEAD specs/nowhere.yaml >/dev/null 2>"$tmp/err"; rc=$?
check "a spec that exists nowhere: exit 2 (got $rc)" $([ $rc = 2 ]; echo $?)
(cd "$tmp" && "$infrac" diff --base HEAD "$tmp/old/specs/app.yaml" >/dev/null 2>"$tmp/err"); rc=$?
check "a spec outside any repository: exit 2 (got $rc)" $([ $rc = 2 ]; echo $?)

echo "git-base: $passes passed, $fails failed"
[ $fails = 0 ]
