#!/usr/bin/env bash
# fmt_conformance.sh HCL_GEN WORKDIR [TEST_HCL]: renders the fixed and the
# seeded random documents with the HCL writer, and (given TEST_HCL) every
# document the unit tests expect, and proves `terraform fmt -check` leaves
# every one unchanged. Also proves the check can fail (a misaligned copy must
# be caught) and that rendering is deterministic. terraform is required: a
# missing terraform is a failure, not a skip.
set -euo pipefail
gen=$1 work=$2 unit=${3:-}
export TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
if ! command -v terraform >/dev/null; then
  echo "hcl_fmt_conformance: terraform not found on PATH (needs terraform >= 1.5)" >&2
  exit 1
fi
rm -rf "$work"
mkdir -p "$work"
"$gen" fmt "$work/docs" 500
"$gen" fmt "$work/again" 500
if ! diff -r "$work/docs" "$work/again" >/dev/null; then
  echo "hcl_fmt_conformance: two renderings of the same documents differ" >&2
  exit 1
fi
if [ -n "$unit" ]; then
  mkdir -p "$work/docs/unit"
  HCL_TEST_DUMP="$work/docs/unit" "$unit" >/dev/null
fi
count=$(find "$work/docs" -name '*.tf' | wc -l)

# The check must be able to fail: break the alignment of a copy.
mkdir -p "$work/broken"
sed 's/^  a    = 1$/  a = 1/' "$work/docs/fixed_alignment.tf" >"$work/broken/broken.tf"
if cmp -s "$work/docs/fixed_alignment.tf" "$work/broken/broken.tf"; then
  echo "hcl_fmt_conformance: could not make the broken copy (fixed_alignment.tf changed?)" >&2
  exit 1
fi
if terraform fmt -no-color -check "$work/broken" >/dev/null 2>&1; then
  echo "hcl_fmt_conformance: terraform fmt -check accepted a misaligned file" >&2
  exit 1
fi

if ! terraform fmt -no-color -check -diff -recursive "$work/docs"; then
  echo "hcl_fmt_conformance: terraform fmt would change the files above" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
echo "hcl_fmt_conformance: $count documents unchanged by $(terraform version | head -1)"
echo "1 passed, 0 failed"
