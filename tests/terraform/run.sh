#!/usr/bin/env bash
# run.sh CASE: the Terraform emitter's shell-level tests, with $INFRAC.
#   conformance    build every spec in specs/ and examples/, the injection
#                  spec, identity/grown.yaml and names/spec.yaml (keys that
#                  are no HCL identifiers), in every environment, and
#                  run check_tree.mjs on all the trees in one node process
#                  (terraform fmt -check, hcl2json parse, AWS schema,
#                  references);
#   deterministic  build all of them twice: the trees are byte-identical;
#   bad_template   a broken templates/terraform/settings.yaml override is
#                  reported exactly as bad_template/expected says, exit 2,
#                  and the output folder is left as it was.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
infrac=${INFRAC:-$top/build/infrac}
case "$infrac" in /*) ;; *) infrac=$PWD/$infrac ;; esac
case=${1:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

specs() {
  local s
  for s in "$top"/specs/*.yaml "$top"/specs/*.json "$top"/examples/*/spec.yaml "$top"/examples/*/spec.json \
           "$here/injection/spec.json" "$here/identity/grown.yaml" "$here/names/spec.yaml"; do
    [ -f "$s" ] && echo "$s"
  done
}

# build_all DIR: every spec, every environment, into DIR (one folder per
# spec, since two specs may share a name).
build_all() {
  local n=0 s
  while read -r s; do
    n=$((n + 1))
    if ! "$infrac" build --target terraform --all-envs -o "$1/$n" "$s"; then
      echo "run.sh: infrac build failed for $s" >&2
      return 1
    fi
  done < <(specs)
}

case "$case" in
  conformance)
    build_all "$tmp/a" || exit 1
    mapfile -t trees < <(find "$tmp/a" -type d -name terraform | sort)
    want=$(specs | wc -l)
    if [ "${#trees[@]}" -lt "$want" ]; then
      echo "run.sh: only ${#trees[@]} trees for $want specs" >&2
      exit 1
    fi
    # Paths relative to the temporary folder keep the report readable.
    cd "$tmp/a" && node "$here/check_tree.mjs" "${trees[@]#"$tmp/a/"}" || exit 1
    echo "conformance: ${#trees[@]} trees pass check_tree"
    ;;
  deterministic)
    build_all "$tmp/a" || exit 1
    build_all "$tmp/b" || exit 1
    if ! diff -r "$tmp/a" "$tmp/b"; then
      echo "run.sh: two builds differ" >&2
      exit 1
    fi
    echo "deterministic: $(find "$tmp/a" -name '*.tf' | wc -l) files identical over two builds"
    ;;
  bad_template)
    cd "$here" || exit 1
    "$infrac" build --target terraform -o "$tmp/out" "$top/specs/cartful.yaml" || exit 1
    cp -r "$tmp/out" "$tmp/before"
    "$infrac" --templates bad_template build --target terraform -o "$tmp/out" "$top/specs/cartful.yaml" 2>"$tmp/err"
    status=$?
    if [ $status -ne 2 ]; then
      echo "run.sh: exit $status, want 2" >&2
      cat "$tmp/err" >&2
      exit 1
    fi
    if ! diff -u bad_template/expected "$tmp/err"; then
      echo "run.sh: the messages differ from bad_template/expected" >&2
      exit 1
    fi
    if ! diff -r "$tmp/before" "$tmp/out"; then
      echo "run.sh: a failed build changed the output folder" >&2
      exit 1
    fi
    echo "bad_template: reported as expected, nothing written"
    ;;
  *)
    echo "usage: run.sh conformance|deterministic|bad_template" >&2
    exit 2
    ;;
esac
