#!/usr/bin/env node
// extract.mjs: writes aws-schema.json, the slice of the AWS provider schema
// that check_tree.mjs validates generated Terraform against.
//
// Providers cannot be downloaded here, so the schema comes from the npm
// package @cdktf/provider-aws: cdktf generated it from the provider's own
// schema. Its .jsii file describes, per resource and data source, a class
// (getters = every readable attribute) and a config struct (every argument,
// optional or not). Arguments and nested blocks are told apart by their doc
// summary: an attribute's reads "Docs at Terraform Registry: {@link ...#name
// Class#name}", a block's reads "name block." and its type is a struct (or
// an array of structs). A struct typed as a single struct is a block with at
// most one instance (nesting "single"); an array of structs is "list".
// Getters carry no Terraform name in the .jsii, so the exact name is read
// from the generated JavaScript (`this.getStringAttribute('owner_id')`,
// `new XList(this, "master_user_secret", ...)`) next to it.
//
// It installs nothing. Usage:
//   tests/tools/ensure-npm @cdktf/provider-aws    # prints NODE_MODULES
//   node tests/terraform/schema/extract.mjs [NODE_MODULES] [OUT.json]
// Defaults: <repo>/.tools/node/node_modules and aws-schema.json beside this
// file. See ../README.md for the output format.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const top = path.resolve(here, "../../..");
const nodeModules = process.argv[2] || path.join(top, ".tools/node/node_modules");
const outPath = process.argv[3] || path.join(here, "aws-schema.json");
const pkgDir = path.join(nodeModules, "@cdktf/provider-aws");

// ORDER: the types infrac's Terraform emitter may use; keep in step with
// tests/terraform/README.md.
const RESOURCES = `aws_vpc aws_subnet aws_internet_gateway aws_eip aws_nat_gateway
  aws_route_table aws_route aws_route_table_association aws_network_acl
  aws_network_acl_rule aws_network_acl_association aws_flow_log
  aws_cloudwatch_log_group aws_iam_role aws_iam_role_policy aws_iam_policy
  aws_iam_role_policy_attachment aws_vpc_endpoint aws_security_group
  aws_vpc_security_group_ingress_rule aws_vpc_security_group_egress_rule aws_lb
  aws_lb_listener aws_lb_target_group aws_lb_listener_rule aws_ecs_cluster
  aws_ecs_cluster_capacity_providers aws_ecs_task_definition aws_ecs_service
  aws_appautoscaling_target aws_appautoscaling_policy aws_db_subnet_group
  aws_db_instance aws_db_parameter_group aws_dynamodb_table aws_ecr_repository
  aws_ecr_lifecycle_policy aws_ecr_repository_policy aws_kms_key aws_kms_alias
  aws_secretsmanager_secret aws_default_security_group aws_default_network_acl
  aws_service_discovery_private_dns_namespace aws_service_discovery_service`
  .split(/\s+/).filter(Boolean);
const DATA_SOURCES = `aws_availability_zones aws_eip aws_iam_policy_document
  aws_caller_identity aws_region aws_partition aws_ecr_repository
  aws_secretsmanager_secret`.split(/\s+/).filter(Boolean);

function die(msg) {
  console.error(`extract.mjs: ${msg}`);
  process.exit(1);
}

if (!fs.existsSync(path.join(pkgDir, ".jsii")))
  die(`${pkgDir}/.jsii not found; run tests/tools/ensure-npm @cdktf/provider-aws first`);
const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));
const jsii = JSON.parse(fs.readFileSync(path.join(pkgDir, ".jsii"), "utf8"));
const types = jsii.types;
const PREFIX = "@cdktf/provider-aws.";

const BLOCK_DOC = /^([a-z0-9_]+) block\.$/;
const ATTR_DOC = /^Docs at Terraform Registry: \{@link (\S+)#([a-z0-9_]+) \w+#([a-z0-9_]+)\}/;
const CLASS_DOC = /\{@link https:\/\/registry\.terraform\.io\/providers\/hashicorp\/aws\/([0-9.]+)\/docs\/(resources|data-sources)\/\S+ (aws_[a-z0-9_]+)\}/;

const snake = (s) => s.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
const warnings = [];

// Exact Terraform names of getters, per generated class, from the compiled
// JavaScript: { className: { getter: tf_name } }.
const jsNameCache = new Map();
function jsNames(fqn) {
  const t = types[fqn];
  const file = t.locationInModule.filename.replace(/^src\//, "lib/").replace(/\.ts$/, ".js");
  if (!jsNameCache.has(file)) {
    const text = fs.readFileSync(path.join(pkgDir, file), "utf8");
    const byClass = {};
    const parts = text.split(/^class (\w+) extends /m);
    for (let i = 1; i + 1 < parts.length; i += 2) {
      const body = parts[i + 1];
      const names = {};
      for (const m of body.matchAll(/get (\w+)\(\) \{\s*return [^;]*?this\.get\w+Attribute\('([^']+)'\)/g))
        names[m[1]] = m[2];
      for (const m of body.matchAll(/this\._(\w+) = new [\w.]+\(this, "([^"]+)"/g))
        names[m[1]] = m[2];
      const rt = /\.tfResourceType = "([^"]+)"/.exec(text.slice(text.indexOf(`${parts[i]}.tfResourceType`)));
      byClass[parts[i]] = { names, tfType: text.includes(`${parts[i]}.tfResourceType`) && rt ? rt[1] : null };
    }
    jsNameCache.set(file, byClass);
  }
  return jsNameCache.get(file)[t.name] || { names: {}, tfType: null };
}

// The provider struct a type refers to, and how it nests.
function structRef(ty) {
  if (!ty) return null;
  if (ty.fqn && types[ty.fqn] && types[ty.fqn].datatype) return { fqn: ty.fqn, nesting: "single" };
  if (ty.collection) {
    const inner = structRef(ty.collection.elementtype);
    if (inner) return { fqn: inner.fqn, nesting: ty.collection.kind === "map" ? "map" : "list" };
  }
  if (ty.union)
    for (const u of ty.union.types) {
      const r = structRef(u);
      if (r) return r;
    }
  return null;
}

function typeName(ty) {
  if (!ty) return "any";
  if (ty.primitive) return { string: "string", number: "number", boolean: "bool", any: "any", json: "any" }[ty.primitive] || ty.primitive;
  if (ty.collection) {
    const kind = ty.collection.kind === "map" ? "map" : "list";
    return `${kind}(${typeName(ty.collection.elementtype)})`;
  }
  if (ty.union) {
    const named = ty.union.types.filter((u) => u.fqn !== "cdktf.IResolvable");
    return named.length === 1 ? typeName(named[0]) : "any";
  }
  if (ty.fqn === "cdktf.IResolvable") return "any";
  return "any";
}

function ownProps(fqn) {
  const t = types[fqn];
  let props = [...(t.properties || [])];
  for (const base of t.interfaces || [])
    if (base.startsWith(PREFIX)) props = props.concat(ownProps(base));
  return props;
}

// The Terraform name of a struct property: from its doc link or block
// summary; "region" (added by the provider framework) has neither.
function argName(p, where) {
  const sum = (p.docs && p.docs.summary) || "";
  let m = BLOCK_DOC.exec(sum);
  if (m) return m[1];
  m = ATTR_DOC.exec(sum);
  if (m) return m[3];
  const guess = snake(p.name);
  if (guess !== "region") warnings.push(`${where}.${p.name}: no doc link, guessed ${guess}`);
  return guess;
}

// { name: ARG } for a config or block struct; camel maps camelCase -> name.
function argumentsOf(fqn, where, camel) {
  const args = {};
  for (const p of ownProps(fqn).sort((a, b) => a.name.localeCompare(b.name))) {
    const name = argName(p, where);
    camel[p.name] = name;
    const sum = (p.docs && p.docs.summary) || "";
    const ref = structRef(p.type);
    const arg = {};
    if (ref && BLOCK_DOC.test(sum)) {
      arg.block = ref.nesting;
    } else if (ref) {
      arg.type = "object";
      arg.nesting = ref.nesting;
    } else {
      arg.type = typeName(p.type);
    }
    if (!p.optional) arg.required = true;
    if (ref) {
      const inner = {};
      arg.arguments = argumentsOf(ref.fqn, `${where}.${name}`, inner);
      const outRef = outputRefOf(types[fqn], p.name, ref.fqn);
      if (outRef) {
        const extra = attributesOf(outRef, `${where}.${name}`, inner, arg.arguments);
        if (Object.keys(extra).length) arg.attributes = extra;
      }
    }
    args[name] = arg;
  }
  return args;
}

// The OutputReference class that reads a struct back (XOutputReference next
// to struct X), if cdktf generated one.
function outputRefOf(_parent, _prop, structFqn) {
  const o = structFqn + "OutputReference";
  return types[o] ? o : null;
}

// The ComplexObject behind a getter's type (List/Map wrap one via get()).
function complexOf(ty) {
  if (!ty || !ty.fqn || !types[ty.fqn] || types[ty.fqn].kind !== "class") return null;
  const t = types[ty.fqn];
  if (t.base === "cdktf.ComplexObject") return ty.fqn;
  if (t.base === "cdktf.ComplexList" || t.base === "cdktf.ComplexMap") {
    const get = (t.methods || []).find((m) => m.name === "get");
    return get ? complexOf(get.returns.type) : null;
  }
  return null;
}

// Readable attributes of a class (resource, data source or OutputReference)
// that are not already arguments: { name: 1 | { nested } }.
function attributesOf(classFqn, where, camel, args) {
  const t = types[classFqn];
  const js = jsNames(classFqn).names;
  const props = (t.properties || []).filter((p) => !p.static && p.name !== "internalValue");
  const names = new Set(props.map((p) => p.name));
  const out = {};
  for (const p of props.sort((a, b) => a.name.localeCompare(b.name))) {
    // fooInput reads back what was set for foo; it is no attribute itself.
    if (p.name.endsWith("Input") && names.has(p.name.slice(0, -5))) continue;
    let name = camel[p.name] || js[p.name];
    if (camel[p.name] && js[p.name] && camel[p.name] !== js[p.name])
      warnings.push(`${where}.${p.name}: doc says ${camel[p.name]}, code says ${js[p.name]}`);
    if (!name) {
      name = snake(p.name);
      warnings.push(`${where}.${p.name}: no name in code, guessed ${name}`);
    }
    if (args[name]) continue;
    const inner = complexOf(p.type);
    if (inner) {
      const nested = attributesOf(inner, `${where}.${name}`, {}, {});
      out[name] = Object.keys(nested).length ? nested : 1;
    } else {
      out[name] = 1;
    }
  }
  return out;
}

// Index every generated resource and data source class by Terraform type.
const index = { resource: {}, data: {} };
let providerVersion = null;
for (const [fqn, t] of Object.entries(types)) {
  if (t.kind !== "class") continue;
  const kind = t.base === "cdktf.TerraformResource" ? "resource" : t.base === "cdktf.TerraformDataSource" ? "data" : null;
  if (!kind) continue;
  const m = CLASS_DOC.exec((t.docs && t.docs.summary) || "");
  if (!m) continue;
  providerVersion = m[1];
  index[kind][m[3]] = fqn;
}

function bodyOf(kind, tfType) {
  const fqn = index[kind][tfType];
  if (!fqn) die(`${kind} ${tfType} not found in ${pkg.name}@${pkg.version}`);
  const cls = types[fqn];
  const jsType = jsNames(fqn).tfType;
  if (jsType && jsType !== tfType) die(`${fqn}: documented as ${tfType}, code says ${jsType}`);
  const param = (cls.initializer.parameters || []).find((p) => p.name === "config");
  const camel = {};
  const args = param ? argumentsOf(param.type.fqn, tfType, camel) : {};
  const attrs = attributesOf(fqn, tfType, camel, args);
  return { arguments: args, attributes: attrs };
}

const schema = {
  provider: { source: "hashicorp/aws", version: providerVersion, package: `${pkg.name}@${pkg.version}` },
  resource: {},
  data: {},
};
for (const r of [...RESOURCES].sort()) schema.resource[r] = bodyOf("resource", r);
for (const d of [...DATA_SOURCES].sort()) schema.data[d] = bodyOf("data", d);

// Compact, but one type per line so a provider upgrade diffs readably.
const lines = ["{", `"provider":${JSON.stringify(schema.provider)},`];
for (const kind of ["resource", "data"]) {
  lines.push(`"${kind}":{`);
  const names = Object.keys(schema[kind]);
  names.forEach((n, i) => lines.push(`${JSON.stringify(n)}:${JSON.stringify(schema[kind][n])}${i + 1 < names.length ? "," : ""}`));
  lines.push(kind === "resource" ? "}," : "}");
}
lines.push("}");
fs.writeFileSync(outPath, lines.join("\n") + "\n");
for (const w of warnings) console.error(`extract.mjs: warning: ${w}`);
console.error(`extract.mjs: wrote ${outPath} (${RESOURCES.length} resources, ${DATA_SOURCES.length} data sources, provider ${providerVersion})`);
