#!/usr/bin/env bash
# errors.sh INFRAC TMP: the kubernetes target fails cleanly (exit 2, a clear
# message, nothing written, the previous output untouched) on input it
# cannot express, and reads its defaults from the template at run time.
set -uo pipefail
infrac=$1
tmp=$2
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
status=0
failed=0
pass=0
bad() { echo "FAIL: $*" >&2; status=1; failed=$((failed + 1)); }
ok() { pass=$((pass + 1)); }

# expect_error NAME PATTERN ARGS...: infrac exits 2, says PATTERN, writes nothing
expect_error() {
  local name=$1 pattern=$2; shift 2
  rm -rf "$tmp/o"
  "$infrac" "$@" >"$tmp/stdout" 2>"$tmp/stderr"
  local rc=$?
  if [ $rc -ne 2 ]; then bad "$name: exit $rc, expected 2"; cat "$tmp/stderr" >&2; return; fi
  if ! grep -q -- "$pattern" "$tmp/stderr"; then bad "$name: stderr lacks '$pattern'"; cat "$tmp/stderr" >&2; return; fi
  if [ -e "$tmp/o" ]; then bad "$name: wrote output"; return; fi
  ok
}

# Two services whose DNS-1123 names collide.
mkdir -p "$tmp/specs"
cat >"$tmp/specs/collide.yaml" <<'YAML'
infrac: 1
name: collide
region: us-east-1
network: {cidr: 10.0.0.0/16}
services:
  user_api: {image: "example/user:1", port: 8080}
  user-api: {image: "example/user:1", port: 8081}
YAML
expect_error collide "services user-api and user_api both become the Kubernetes name user-api\|both become the Kubernetes name user-api" \
  build --target kubernetes -o "$tmp/o" "$tmp/specs/collide.yaml"

# A template override that breaks the defaults file: a clear error naming
# the template and the entry, and nothing written.
mkdir -p "$tmp/tpl-broken/kubernetes" "$tmp/tpl-missing/kubernetes" "$tmp/tpl-tuned/kubernetes"
sed 's/^  maxUnavailable: 1$/  maxUnavailable: 1/; s/^    cpu: 100$/    cpu: lots/' \
  "$top/templates/kubernetes/defaults.yaml" >"$tmp/tpl-broken/kubernetes/defaults.yaml"
expect_error template-percentage "resources.requests.cpu is a percentage" \
  --templates "$tmp/tpl-broken" build --target kubernetes -o "$tmp/o" "$top/specs/cartful.yaml"
grep -v '^pdb:' "$top/templates/kubernetes/defaults.yaml" | sed '/^  maxUnavailable: 1$/d; /^  unhealthyPodEvictionPolicy/d' \
  >"$tmp/tpl-missing/kubernetes/defaults.yaml"
expect_error template-missing "kubernetes/defaults.yaml has no 'pdb'" \
  --templates "$tmp/tpl-missing" build --target kubernetes -o "$tmp/o" "$top/specs/cartful.yaml"
# An override written for the old network_policy.ingress_controller_namespace
# would lose its controller silently; peers must be NetworkPolicy peers.
mkdir -p "$tmp/tpl-old/kubernetes" "$tmp/tpl-peer/kubernetes"
sed 's/^  ingress_controller_peers: \[\]$/  ingress_controller_namespace: ingress-nginx\n  ingress_controller_peers: []/' \
  "$top/templates/kubernetes/defaults.yaml" >"$tmp/tpl-old/kubernetes/defaults.yaml"
expect_error template-old-key "network_policy.ingress_controller_namespace is gone" \
  --templates "$tmp/tpl-old" build --target kubernetes -o "$tmp/o" "$top/specs/cartful.yaml"
sed 's/^  ingress_controller_peers: \[\]$/  ingress_controller_peers: [ingress-nginx]/' \
  "$top/templates/kubernetes/defaults.yaml" >"$tmp/tpl-peer/kubernetes/defaults.yaml"
expect_error template-peer "ingress_controller_peers holds NetworkPolicy peers (maps), found a string" \
  --templates "$tmp/tpl-peer" build --target kubernetes -o "$tmp/o" "$top/specs/cartful.yaml"
printf 'labels: [not, a, map\n' >"$tmp/tpl-broken/kubernetes/defaults.yaml"
expect_error template-syntax "defaults.yaml" \
  --templates "$tmp/tpl-broken" build --target kubernetes -o "$tmp/o" "$top/specs/cartful.yaml"

# A failed build leaves the previous output as it was.
"$infrac" build --target kubernetes -o "$tmp/keep" "$top/specs/cartful.yaml" || bad "cartful does not build"
before=$(cd "$tmp/keep" && find . -type f | sort | xargs sha256sum)
"$infrac" --templates "$tmp/tpl-missing" build --target kubernetes -o "$tmp/keep" "$top/specs/cartful.yaml" 2>/dev/null
after=$(cd "$tmp/keep" && find . -type f | sort | xargs sha256sum)
if [ "$before" = "$after" ]; then ok; else bad "a failed build changed the previous output"; fi

# The defaults come from the template at run time: tuned values show up.
sed 's/^      maxSurge: 25%$/      maxSurge: 1/; /^  limits:$/,/^    memory:/ s/^    cpu: 100$/    cpu: 200/; s/^  ingress_controller_peers: \[\]$/  ingress_controller_peers: [{namespaceSelector: {matchLabels: {kubernetes.io\/metadata.name: ingress-nginx}}}]/' \
  "$top/templates/kubernetes/defaults.yaml" >"$tmp/tpl-tuned/kubernetes/defaults.yaml"
"$infrac" --templates "$tmp/tpl-tuned" build --target kubernetes -o "$tmp/tuned" "$top/specs/cartful.yaml" || bad "tuned template does not build"
f="$tmp/tuned/cartful/base/kubernetes/service-user-metadata.yaml"
for want in 'maxSurge: 1$' 'cpu: "500m"' 'kubernetes.io/metadata.name: "ingress-nginx"'; do
  if grep -q -- "$want" "$f"; then ok; else bad "tuned template: '$want' not in $f"; fi
done
if grep -q 'cpu: "250m"' "$f"; then ok; else bad "tuned template: requests no longer 250m"; fi
# the controller's pods come beside the load balancer's subnets, not instead
if grep -q 'cidr: "10.0.0.0/24"' "$f"; then ok; else bad "tuned template: the load balancer subnets are gone from $f"; fi

# Determinism: the same spec twice gives the same bytes.
"$infrac" build --target kubernetes --all-envs -o "$tmp/d1" "$top/specs/cartful.yaml"
"$infrac" build --target kubernetes --all-envs -o "$tmp/d2" "$top/specs/cartful.yaml"
if diff -r "$tmp/d1" "$tmp/d2" >/dev/null; then ok; else bad "two builds differ"; fi

echo "kubernetes errors: $pass passed, $failed failed"
exit $status
