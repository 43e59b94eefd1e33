#!/usr/bin/env node
// envdiff.mjs: the environments of specs/cartful.yaml differ from its base
// tree only where their overlays say. Each tree is read back with hcl2json
// and evaluated (tree.mjs); the paths whose values differ from base must be
// exactly the ones listed below for that environment, which restate the
// overlays of the contract:
//   dev:  {network: {nat: {mode: single, eip: null}},
//          databases: {orders: {multi_az: false, instance: db.t4g.small,
//                                deletion_protection: false}}}
//   prod: {}
// plus the state key, which names the environment (terraform[0] is
// backend.tf's block: files are read in name order).
import path from "node:path";
import { build, equal, evalDeep, finish, loadTree, tmpdir, top } from "./tree.mjs";

const expected = {
  dev: [
    "resource.aws_db_instance.orders.deletion_protection",
    "resource.aws_db_instance.orders.instance_class",
    "resource.aws_db_instance.orders.multi_az",
    "resource.aws_eip.nat_a.address",
    "terraform[0].backend.s3[0].key",
  ],
  prod: ["terraform[0].backend.s3[0].key"],
};

// path -> value for every leaf of an evaluated configuration.
function flatten(v, at, out) {
  if (Array.isArray(v)) {
    if (v.every((x) => x && typeof x === "object" && !Array.isArray(x))) v.forEach((x, i) => flatten(x, `${at}[${i}]`, out));
    else out[at] = JSON.stringify(v);
  } else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) flatten(x, at ? `${at}.${k}` : k, out);
  } else out[at] = JSON.stringify(v);
  return out;
}

async function leaves(dir) {
  const conf = await loadTree(dir);
  delete conf.files;
  return flatten(evalDeep(conf), "", {});
}

const out = build(path.join(top, "specs/cartful.yaml"), tmpdir("envdiff"));
const base = await leaves(path.join(out, "cartful/base/terraform"));
for (const [env, want] of Object.entries(expected)) {
  const other = await leaves(path.join(out, "cartful", env, "terraform"));
  const keys = new Set([...Object.keys(base), ...Object.keys(other)]);
  const differ = [...keys].filter((k) => base[k] !== other[k]).sort();
  equal(differ, want, `${env}: the paths that differ from base`);
}
equal(base["terraform[0].backend.s3[0].key"], JSON.stringify("cartful/base/terraform.tfstate"), "base: state key");
finish("envdiff");
