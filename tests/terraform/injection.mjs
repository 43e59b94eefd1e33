#!/usr/bin/env node
// injection.mjs: a spec whose environment values (base and overlay), health
// check path, table key names and state key hold HCL syntax
// (${file("/etc/passwd")}, %{ if }, quotes, backslashes, newlines, emoji, a
// reference to another resource), and whose tags hold every character AWS
// allows in a tag that HCL treats specially (keys with spaces, : / = + @,
// keywords, numbers; values that read as numbers, booleans or null), is
// built to Terraform, and every one of those strings must come back as
// exactly the same literal string:
//  - read back with @cdktf/hcl2json and decoded by tree.mjs (whose parser
//    throws on any function but jsonencode and on any directive);
//  - evaluated by Terraform itself: each expression is copied into an output
//    of a scratch configuration (references replaced by placeholders, found
//    with hcl2json) and `terraform apply` prints what Terraform reads;
//  - and no expression anywhere in the tree refers to anything but aws_*
//    resources and data sources, so no spec string became live HCL.
// AWS refuses hostile text in tags, so the front end does: every string of
// the spec, as a tag key and as a tag value, is refused (exit 2, nothing
// written, the tag named) exactly when AWS's tag pattern refuses it.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { build, check, equal, evalString, finish, hcl2json, here, infrac, loadTree, tmpdir } from "./tree.mjs";

const specPath = path.join(here, "injection/spec.json");
const spec = JSON.parse(fs.readFileSync(specPath, "utf8"));
const out = build(specPath, tmpdir("inject"));

// The values a spec environment should see: the overlay merged on the base.
const envs = { base: spec, ...Object.fromEntries(Object.keys(spec.environments || {}).map((e) => [e, merge(spec, spec.environments[e])])) };
function merge(base, over) {
  if (!over || typeof over !== "object" || Array.isArray(over)) return over;
  const r = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete r[k];
    else r[k] = base && typeof base[k] === "object" && !Array.isArray(base[k]) ? merge(base[k], v) : v;
  }
  return r;
}

// An HCL string literal holding exactly the template source s (hcl2json's
// form: $${ and %%{ are already escapes, so they are kept as they are).
function hclQuote(s) {
  let q = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (ch === '"') q += '\\"';
    else if (ch === "\\") q += "\\\\";
    else if (ch === "\n") q += "\\n";
    else if (ch === "\r") q += "\\r";
    else if (ch === "\t") q += "\\t";
    else if (c < 0x20 || c === 0x7f) q += "\\u" + c.toString(16).padStart(4, "0");
    else q += ch;
  }
  return q + '"';
}

// An hcl2json value as HCL source for Terraform: "${expr}" strings give
// their expression with references turned into placeholder strings, other
// strings are quoted, objects and lists are rebuilt.
async function toSource(v) {
  if (typeof v === "string") {
    if (v.startsWith("${") && v.endsWith("}")) {
      const refs = await hcl2json.getReferencesInExpression("x.tf", v);
      let buf = Buffer.from(v, "utf8");
      for (const r of [...refs].sort((a, b) => b.startPosition - a.startPosition))
        buf = Buffer.concat([buf.subarray(0, r.startPosition), Buffer.from(JSON.stringify(`<${r.value}>`)), buf.subarray(r.endPosition)]);
      const whole = buf.toString("utf8");
      return `(${whole.slice(2, -1)})`;
    }
    return hclQuote(v);
  }
  if (Array.isArray(v)) return `[${(await Promise.all(v.map(toSource))).join(", ")}]`;
  if (v && typeof v === "object") {
    const parts = [];
    for (const [k, x] of Object.entries(v)) parts.push(`${hclQuote(k)} = ${await toSource(x)}`);
    return `{\n${parts.join("\n")}\n}`;
  }
  return JSON.stringify(v);
}

// Every reference in every expression of a tree (hcl2json keeps the
// expressions as "${...}" text).
async function allRefs(v, acc) {
  if (typeof v === "string") {
    if (v.includes("${")) for (const r of await hcl2json.getReferencesInExpression("x.tf", v.startsWith("${") ? v : "${" + JSON.stringify(v) + "}")) acc.push(r.value);
  } else if (Array.isArray(v)) for (const x of v) await allRefs(x, acc);
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) {
    if (k === "ignore_changes") continue; // argument names, not references
    await allRefs(x, acc);
  }
  return acc;
}

const scratch = tmpdir("inject-eval");
const outputs = [];   // [name, hcl2json value, expected]
for (const [env, want] of Object.entries(envs)) {
  const dir = path.join(out, "inject", env, "terraform");
  let conf;
  try {
    conf = await loadTree(dir);
  } catch (e) {
    check(false, `${env}: hcl2json cannot read the tree: ${e.message}`);
    continue;
  }

  const refs = await allRefs(Object.values(conf.files), []);
  check(refs.length > 0, `${env}: the tree has references`);
  for (const r of refs)
    check(/^(aws_[a-z0-9_]+|data\.aws_[a-z0-9_]+)\.[A-Za-z0-9_-]+(\.|$)/.test(r), `${env}: reference ${r} names an AWS resource or data source`);

  // Read back with hcl2json and decoded.
  const tags = conf.provider.aws?.default_tags?.[0]?.tags;
  // Quoted keys are templates too: $${ in a key is a literal ${.
  const decoded = Object.fromEntries(Object.entries(tags || {}).map(([k, v]) => [evalString(k), evalString(v)]));
  equal(decoded, want.tags, `${env}: default_tags read back`);
  outputs.push([`tags_${env}`, tags, want.tags]);

  const td = conf.resource.aws_ecs_task_definition?.web;
  const containers = td && evalString(td.container_definitions);
  const envVars = Object.fromEntries((containers?.[0]?.environment || []).map((e) => [e.name, e.value]));
  equal(envVars, want.services.web.env, `${env}: container environment read back`);
  outputs.push([`containers_${env}`, td?.container_definitions, null]);

  const table = conf.resource.aws_dynamodb_table?.events;
  equal(evalString(table?.hash_key), want.tables.events.key.hash, `${env}: table hash_key read back`);
  equal(evalString(table?.range_key), want.tables.events.key.range, `${env}: table range_key read back`);
  const gsi = table?.global_secondary_index?.[0];
  equal(evalString(gsi?.hash_key), want.tables.events.indexes.by_owner.hash, `${env}: index hash_key read back`);
  outputs.push([`table_${env}`, { hash_key: table?.hash_key, range_key: table?.range_key, gsi: gsi?.hash_key },
    { hash_key: want.tables.events.key.hash, range_key: want.tables.events.key.range, gsi: want.tables.events.indexes.by_owner.hash }]);

  const hc = conf.resource.aws_lb_target_group?.web?.health_check?.[0]?.path;
  equal(evalString(hc), want.services.web.health_check, `${env}: health check path read back`);
  outputs.push([`health_check_${env}`, hc, want.services.web.health_check]);

  const backend = conf.terraform.flatMap((t) => t.backend || []).map((b) => b.s3?.[0]).find(Boolean);
  equal(evalString(backend?.key), want.state.key, `${env}: backend key read back`);
  outputs.push([`state_key_${env}`, backend?.key, want.state.key]);
}

// Evaluated by Terraform.
let main = "";
for (const [name, value] of outputs) main += `output ${JSON.stringify(name)} {\n  value = ${await toSource(value)}\n}\n\n`;
fs.writeFileSync(path.join(scratch, "main.tf"), main);
const tf = process.env.INFRAC_TERRAFORM || "terraform";
const envTf = { ...process.env, CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: "/dev/null", TF_IN_AUTOMATION: "1" };
for (const args of [["init", "-input=false", "-no-color"], ["apply", "-auto-approve", "-input=false", "-no-color"]]) {
  const r = spawnSync(tf, args, { cwd: scratch, encoding: "utf8", env: envTf });
  if (r.error || r.status !== 0) {
    console.log(`FAIL: terraform ${args[0]} (terraform is required): ${r.error?.message || r.stderr}`);
    process.exit(1);
  }
}
const r = spawnSync(tf, ["output", "-json"], { cwd: scratch, encoding: "utf8", env: envTf });
const got = JSON.parse(r.stdout || "{}");
for (const [name, , want] of outputs) {
  if (name.startsWith("containers_")) {
    const env = name.slice("containers_".length);
    const cds = JSON.parse(got[name]?.value ?? "[]");
    equal(Object.fromEntries((cds[0]?.environment || []).map((e) => [e.name, e.value])), envs[env].services.web.env,
      `${env}: container environment as Terraform reads it`);
    equal(cds[0]?.logConfiguration?.options?.["awslogs-group"], "<aws_cloudwatch_log_group.service_web.name>",
      `${env}: the log group stays a reference`);
  } else equal(got[name]?.value, want, `${name}: as Terraform reads it`);
}

// Tags AWS refuses are refused first. Every string above (the hostile ones
// and the tags' own), as a tag value and as a tag key, one tag per line of
// a generated spec: infrac must report exactly the lines whose text AWS's
// pattern ^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$ (keys 1-128, values at most 256
// characters) refuses, and a build of it must exit 2 and write nothing.
const awsTag = (s, key) => /^[\p{L}\p{Z}\p{N}_.:\/=+\-@]*$/u.test(s) && [...s].length <= (key ? 128 : 256) && (!key || s.length > 0);
const texts = new Set();
for (const e of Object.values(envs)) {
  for (const [k, v] of Object.entries(e.tags)) texts.add(k).add(v);
  for (const v of Object.values(e.services.web.env)) texts.add(v);
  texts.add(e.services.web.health_check).add(e.state.key).add(e.tables.events.key.hash).add(e.tables.events.key.range);
}
const candidates = [...texts].filter((s) => !/^aws:/i.test(s) && s !== "Name");
check(candidates.some((s) => awsTag(s, false)) && candidates.some((s) => !awsTag(s, false)),
  "the tag candidates hold text AWS accepts and text it refuses");
const refusals = tmpdir("inject-tags");
for (const key of [false, true]) {
  for (let start = 0; start < candidates.length; start += 40) {
    const chunk = candidates.slice(start, start + 40);
    const lines = ['{', '  "infrac": 1,', '  "name": "tags",', '  "region": "us-east-1",', '  "tags": {'];
    const want = [];
    chunk.forEach((s, i) => {
      const pair = key ? [s, "v"] : [`t${i}`, s];
      lines.push(`    ${JSON.stringify(pair[0])}: ${JSON.stringify(pair[1])}${i + 1 < chunk.length ? "," : ""}`);
      if (!awsTag(s, key)) want.push(lines.length);
    });
    lines.push("  }", "}");
    const what = `tag ${key ? "keys" : "values"} ${start}..${start + chunk.length - 1}`;
    const specFile = path.join(refusals, `${key ? "keys" : "values"}-${start}.json`);
    fs.writeFileSync(specFile, lines.join("\n") + "\n");
    const c = spawnSync(infrac(), ["check", specFile], { encoding: "utf8" });
    const got = [...c.stderr.matchAll(/^[^\n]*\.json:(\d+):\d+: error: tags\./gm)]
      .map((m) => Number(m[1]));
    equal(got, want, `${what}: the lines infrac refuses are those AWS refuses`);
    const outDir = path.join(refusals, `out-${key}-${start}`);
    const b = spawnSync(infrac(), ["build", "--target", "terraform", "-o", outDir, specFile], { encoding: "utf8" });
    if (want.length) {
      check(c.status === 2 && b.status === 2, `${what}: check and build exit 2 (got ${c.status}, ${b.status})`);
      check(!fs.existsSync(outDir) || fs.readdirSync(outDir, { recursive: true }).length === 0,
        `${what}: a refused spec writes nothing`);
    } else check(c.status !== 2 && b.status === 0, `${what}: AWS accepts them all, so does infrac`);
  }
}

finish("injection");
