#!/usr/bin/env node
// backend.mjs: backend.tf for both kinds of state.lock, read back with
// hcl2json and then given to Terraform itself.
//  - examples/dynamodb-lock (lock: a table name): the S3 backend with the
//    spec's bucket, the default key, dynamodb_table = the table and
//    use_lockfile = true; specs/cartful.yaml (lock: lockfile):
//    use_lockfile = true and no dynamodb_table.
//  - `terraform init` on each backend block, pointed by a -backend-config
//    file at an S3 endpoint that refuses connections: Terraform must
//    accept the configuration (dynamodb_table and use_lockfile together
//    included) and fail only on reaching S3, warning that dynamodb_table is
//    deprecated exactly when the spec asks for a table.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { build, check, equal, evalDeep, finish, loadTree, tmpdir, top } from "./tree.mjs";

const cases = [
  { spec: "examples/dynamodb-lock/spec.yaml", name: "locked",
    want: { bucket: "locked-tfstate", key: "locked/base/terraform.tfstate", region: "us-west-2", encrypt: true,
            dynamodb_table: "locked-tflock", use_lockfile: true } },
  { spec: "specs/cartful.yaml", name: "cartful",
    want: { bucket: "cartful-tfstate", key: "cartful/base/terraform.tfstate", region: "us-east-1", encrypt: true,
            use_lockfile: true } },
];

// Credentials and an endpoint that fails at once, with no retry.
const local = `access_key = "test"
secret_key = "test"
skip_credentials_validation = true
skip_requesting_account_id = true
skip_metadata_api_check = true
use_path_style = true
max_retries = 0
endpoints = { s3 = "http://127.0.0.1:9", dynamodb = "http://127.0.0.1:9" }
`;

for (const c of cases) {
  const out = build(path.join(top, c.spec), tmpdir("backend"));
  const dir = path.join(out, c.name, "base/terraform");
  const conf = await loadTree(dir);
  const s3 = conf.terraform.flatMap((t) => t.backend || []).map((b) => b.s3?.[0]).filter(Boolean);
  equal(s3.length, 1, `${c.spec}: one S3 backend`);
  equal(evalDeep(s3[0]), c.want, `${c.spec}: the S3 backend's settings`);

  const scratch = tmpdir("backend-init");
  fs.copyFileSync(path.join(dir, "backend.tf"), path.join(scratch, "backend.tf"));
  fs.writeFileSync(path.join(scratch, "local.s3.tfbackend"), local);
  const r = spawnSync(process.env.INFRAC_TERRAFORM || "terraform",
    ["init", "-input=false", "-no-color", "-backend-config=local.s3.tfbackend"],
    { cwd: scratch, encoding: "utf8", timeout: 120000, env: { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null", TF_IN_AUTOMATION: "1" } });
  if (!check(!r.error, `${c.spec}: terraform runs (${r.error?.message})`)) continue;
  const text = r.stdout + r.stderr;
  const errors = text.split("\n").filter((l) => l.startsWith("Error: "));
  check(r.status !== 0 && errors.length === 1 && /Unable to list objects in S3 bucket/.test(errors[0]),
    `${c.spec}: terraform init accepts the backend and stops only at S3:\n${text}`);
  equal(/The parameter "dynamodb_table" is deprecated/.test(text), "dynamodb_table" in c.want,
    `${c.spec}: the dynamodb_table deprecation warning`);
}
finish("backend");
