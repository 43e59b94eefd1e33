#!/usr/bin/env node
// check_tree.mjs [--schema FILE] DIR...: proves a tree of generated .tf files
// is valid Terraform for the AWS provider, without downloading the provider.
//
// For every .tf file directly in each DIR it:
//  - parses the file with @cdktf/hcl2json (a syntax error is a problem);
//  - reads its structure (which items are blocks, which are attributes, and
//    their expressions) with a small HCL scanner of its own, because
//    hcl2json's JSON cannot tell `x { ... }` from `x = [{ ... }]`;
//  - checks every resource and data block against schema/aws-schema.json:
//    the type exists; every argument exists and is written in the right form
//    (block or attribute); required arguments are present, recursively in
//    nested blocks; meta-arguments (count, for_each, depends_on, provider,
//    lifecycle, provisioner, connection, dynamic blocks) are understood;
//  - checks every reference in every expression (found with hcl2json's
//    getReferencesInExpression, which knows for-expression variables,
//    object keys and function names): aws_x.name.attr and data.aws_y.name.attr
//    must point at a declared block and at an attribute its type has (with
//    index and splat forms, and [0] only on blocks that have count or
//    for_each); var.X, local.X and module.X must be declared; count.index
//    and each.key/value only where count/for_each is set; function names
//    must be Terraform functions;
//  - runs `terraform fmt -check -recursive DIR` (terraform is required; set
//    INFRAC_TERRAFORM to use another binary).
// Each problem is printed as `file: where: message` (where is e.g.
// resource.aws_vpc.main); the exit status is 1 if there is any, else 0.
// @cdktf/hcl2json is installed by tests/tools/ensure-npm unless
// INFRAC_NODE_MODULES names a node_modules folder that has it.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const top = path.resolve(here, "../..");

const argv = process.argv.slice(2);
let schemaPath = path.join(here, "schema/aws-schema.json");
const dirs = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "--schema" && i + 1 < argv.length) schemaPath = argv[++i];
  else if (argv[i] === "--help" || argv[i].startsWith("-")) {
    console.error("usage: check_tree.mjs [--schema FILE] DIR...");
    process.exit(2);
  } else dirs.push(argv[i]);
}
if (dirs.length === 0) {
  console.error("usage: check_tree.mjs [--schema FILE] DIR...");
  process.exit(2);
}

// The node_modules folder holding 'pkg', installed on first use. What the
// install prints is shown only when it fails, so a first run's output is
// the same as any other's (the fixtures compare output byte for byte).
function ensureNpm(pkg) {
  try {
    return execFileSync(path.join(top, "tests/tools/ensure-npm"), [pkg], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch (e) {
    process.stderr.write(e.stderr || "");
    console.error(`cannot install ${pkg} with tests/tools/ensure-npm: ${e.message}`);
    process.exit(2);
  }
}

const modules =
  process.env.INFRAC_NODE_MODULES ||
  ensureNpm("@cdktf/hcl2json");
const hcl2json = await import(pathToFileURL(path.join(modules, "@cdktf/hcl2json/lib/index.js")).href);
const schema = JSON.parse(fs.readFileSync(schemaPath, "utf8"));

const problems = [];
function problem(file, line, where, msg) {
  problems.push({ file, line, where, msg, seq: problems.length });
}

// ---- Tables ----

// ORDER: Terraform 1.11's built-in functions.
const FUNCTIONS = new Set(`abs abspath alltrue anytrue base64decode base64encode base64gzip
  base64sha256 base64sha512 basename bcrypt can ceil chomp chunklist cidrhost cidrnetmask
  cidrsubnet cidrsubnets coalesce coalescelist compact concat contains csvdecode dirname
  distinct element endswith ephemeralasnull file filebase64 filebase64sha256
  filebase64sha512 fileexists filemd5 fileset filesha1 filesha256 filesha512 flatten floor
  format formatdate formatlist indent index issensitive join jsondecode jsonencode keys
  length log lookup lower matchkeys max md5 merge min nonsensitive one parseint pathexpand
  plantimestamp pow range regex regexall replace reverse rsadecrypt sensitive
  setintersection setproduct setsubtract setunion sha1 sha256 sha512 signum slice sort
  split startswith strcontains strrev substr sum templatefile templatestring
  textdecodebase64 textencodebase64 timeadd timecmp timestamp title tobool tolist tomap
  tonumber toset tostring transpose trim trimprefix trimspace trimsuffix try upper
  urlencode uuid uuidv5 values yamldecode yamlencode zipmap`.split(/\s+/).filter(Boolean));

const TOP_BLOCKS = { terraform: 0, provider: 1, variable: 1, locals: 0, output: 1, module: 1,
  resource: 2, data: 2, moved: 0, import: 0, removed: 0, check: 1 };
const META = {
  resource: { attrs: ["count", "for_each", "depends_on", "provider"], blocks: ["lifecycle", "provisioner", "connection"] },
  data: { attrs: ["count", "for_each", "depends_on", "provider"], blocks: ["lifecycle"] },
};
const LIFECYCLE = { attrs: ["create_before_destroy", "prevent_destroy", "ignore_changes", "replace_triggered_by"],
  blocks: ["precondition", "postcondition"] };

// Edit distance with transpositions (optimal string alignment).
function distance(a, b) {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.length][b.length];
}
function suggest(name, candidates) {
  let best = null, bestD = Infinity;
  for (const c of candidates) {
    const dd = distance(name, c);
    if (dd < bestD) (best = c), (bestD = dd);
  }
  return best && bestD <= Math.max(2, Math.floor(name.length / 3)) ? ` (did you mean "${best}"?)` : "";
}

// ---- Scanning HCL structure ----

// Tokens: ident, number, oquote/cquote around a quoted template (cquote
// carries the raw text of a template without interpolations), tstart/tend
// around an interpolation or directive, heredoc, punctuation ("p"), nl.
function tokenize(src) {
  const toks = [];
  let line = 1;
  const push = (t, start, end, extra = {}) => toks.push({ t, start, end, line, ...extra });

  function scanString(i) {
    const open = i;
    push("oquote", i, i + 1);
    i++;
    let plain = true;
    while (i < src.length) {
      const c = src[i];
      if (c === "\\") { i += 2; continue; }
      if (c === '"') {
        push("cquote", i, i + 1, { raw: plain ? src.slice(open + 1, i) : null });
        return i + 1;
      }
      if (c === "\n") return i; // unterminated: hcl2json reports it
      if ((c === "$" || c === "%") && src[i + 1] === c && src[i + 2] === "{") { i += 3; continue; }
      if ((c === "$" || c === "%") && src[i + 1] === "{") {
        plain = false;
        push("tstart", i, i + 2);
        i = scan(i + 2, true);
        continue;
      }
      i++;
    }
    return i;
  }

  // Scans tokens from i; in an interpolation, stops after its closing brace.
  function scan(i, inInterp) {
    let depth = 0;
    while (i < src.length) {
      const c = src[i];
      if (c === "\n") { push("nl", i, i + 1); line++; i++; continue; }
      if (c === " " || c === "\t" || c === "\r") { i++; continue; }
      if (c === "#" || (c === "/" && src[i + 1] === "/")) {
        while (i < src.length && src[i] !== "\n") i++;
        continue;
      }
      if (c === "/" && src[i + 1] === "*") {
        const e = src.indexOf("*/", i + 2);
        const stop = e < 0 ? src.length : e + 2;
        line += (src.slice(i, stop).match(/\n/g) || []).length;
        i = stop;
        continue;
      }
      if (c === '"') { i = scanString(i); continue; }
      const heredoc = /^<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n/.exec(src.slice(i, i + 300));
      if (heredoc) {
        const startLine = line;
        let j = i + heredoc[0].length;
        line++;
        for (;;) {
          const nl = src.indexOf("\n", j);
          const text = src.slice(j, nl < 0 ? src.length : nl);
          j = nl < 0 ? src.length : nl;
          if (text.trim() === heredoc[1] || nl < 0) break;
          j++;
          line++;
        }
        toks.push({ t: "heredoc", start: i, end: j, line: startLine });
        i = j;
        continue;
      }
      let m = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(src.slice(i, i + 64));
      if (m) { push("number", i, i + m[0].length); i += m[0].length; continue; }
      m = /^[\p{L}_][\p{L}\p{N}_-]*/u.exec(src.slice(i, i + 256));
      if (m) { push("ident", i, i + m[0].length, { v: m[0] }); i += m[0].length; continue; }
      m = /^(==|!=|<=|>=|&&|\|\||=>|\.\.\.|::)/.exec(src.slice(i, i + 3));
      const v = m ? m[0] : c;
      if (v === "{" || v === "[" || v === "(") depth++;
      if (v === "}" || v === "]" || v === ")") {
        if (inInterp && depth === 0 && v === "}") {
          push("tend", i, i + 1);
          return i + 1;
        }
        depth--;
      }
      push("p", i, i + v.length, { v });
      i += v.length;
    }
    return i;
  }
  scan(0, false);
  return toks;
}

const OPEN = new Set(["{", "[", "(", "oquote", "tstart"]);
const CLOSE = new Set(["}", "]", ")", "cquote", "tend"]);
const kindOf = (tok) => (tok.t === "p" ? tok.v : tok.t);

function decodeLabel(raw) {
  return raw.replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, e) => {
    if (e[0] === "u" || e[0] === "U") return String.fromCodePoint(parseInt(e.slice(1), 16));
    return { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" }[e] ?? e;
  });
}

class SyntaxProblem extends Error {}

// Items of a body: {kind: "attr", name, expr, toks, line} or
// {kind: "block", type, labels, body, line}.
function parseBody(src, toks, k, inBlock) {
  const items = [];
  for (;;) {
    while (k < toks.length && toks[k].t === "nl") k++;
    if (k >= toks.length) {
      if (inBlock) throw new SyntaxProblem("unclosed block");
      return [items, k];
    }
    const tk = toks[k];
    if (inBlock && tk.t === "p" && tk.v === "}") return [items, k + 1];
    if (tk.t !== "ident") throw new SyntaxProblem(`line ${tk.line}: expected an argument or block name`);
    k++;
    if (toks[k] && toks[k].t === "p" && toks[k].v === "=") {
      k++;
      const first = k;
      let depth = 0;
      while (k < toks.length) {
        const t = toks[k];
        if (depth === 0 && (t.t === "nl" || (inBlock && t.t === "p" && t.v === "}"))) break;
        if (OPEN.has(kindOf(t))) depth++;
        if (CLOSE.has(kindOf(t))) depth--;
        k++;
      }
      if (k === first) throw new SyntaxProblem(`line ${tk.line}: ${tk.v} has no value`);
      const exprToks = toks.slice(first, k);
      items.push({ kind: "attr", name: tk.v, line: tk.line, toks: exprToks,
        expr: src.slice(exprToks[0].start, exprToks[exprToks.length - 1].end) });
      continue;
    }
    const labels = [];
    while (k < toks.length) {
      if (toks[k].t === "ident") labels.push(toks[k++].v);
      else if (toks[k].t === "oquote" && toks[k + 1] && toks[k + 1].t === "cquote" && toks[k + 1].raw !== null) {
        labels.push(decodeLabel(toks[k + 1].raw));
        k += 2;
      } else break;
    }
    if (!toks[k] || toks[k].t !== "p" || toks[k].v !== "{")
      throw new SyntaxProblem(`line ${tk.line}: expected "=" or a block after ${tk.v}`);
    const [body, next] = parseBody(src, toks, k + 1, true);
    items.push({ kind: "block", type: tk.v, labels, body, line: tk.line });
    k = next;
  }
}

// ---- References ----

// The traversal that starts at pos: its root and steps, each {attr}, {index}
// or {splat}; end is where it stops.
// hcl2json reports positions in UTF-8 bytes; JavaScript strings index
// UTF-16 code units, which differ once a non-ASCII character comes first.
function charIndex(text, byteOffset) {
  return Buffer.from(text, "utf8").subarray(0, byteOffset).toString("utf8").length;
}

function parseTraversal(text, pos) {
  const ident = /[\p{L}_][\p{L}\p{N}_-]*/uy;
  ident.lastIndex = pos;
  const root = ident.exec(text)[0];
  let i = pos + root.length;
  const steps = [];
  for (;;) {
    if (text[i] === "." && text[i + 1] === "*") { steps.push({ splat: true }); i += 2; continue; }
    if (text[i] === ".") {
      ident.lastIndex = i + 1;
      const m = ident.exec(text);
      if (m) { steps.push({ attr: m[0] }); i += 1 + m[0].length; continue; }
      const n = /[0-9]+/y;
      n.lastIndex = i + 1;
      const d = n.exec(text);
      if (d) { steps.push({ index: true }); i += 1 + d[0].length; continue; }
      break;
    }
    if (text[i] === "[") {
      if (text.startsWith("[*]", i)) { steps.push({ splat: true }); i += 3; continue; }
      let depth = 0, j = i, inStr = false;
      for (; j < text.length; j++) {
        const c = text[j];
        if (inStr) {
          if (c === "\\") j++;
          else if (c === '"') inStr = false;
        } else if (c === '"') inStr = true;
        else if (c === "[") depth++;
        else if (c === "]" && --depth === 0) break;
      }
      steps.push({ index: true });
      i = j + 1;
      continue;
    }
    break;
  }
  return { root, steps, text: text.slice(pos, i) };
}

// What a schema node can be read as: its arguments and exported attributes.
function readable(node, name) {
  if (node.arguments && node.arguments[name]) {
    const a = node.arguments[name];
    return a.arguments ? { arguments: a.arguments, attributes: a.attributes || {} } : {};
  }
  if (node.attributes && node.attributes[name] !== undefined) {
    const a = node.attributes[name];
    return typeof a === "object" ? { attributes: a } : {};
  }
  return null;
}

function checkAttributes(report, typeName, node, steps, refText) {
  let cur = node, label = typeName;
  for (const s of steps) {
    if (!s.attr) continue;
    if (!cur || (!cur.arguments && !cur.attributes)) return;
    const next = readable(cur, s.attr);
    if (!next) {
      const names = [...Object.keys(cur.arguments || {}), ...Object.keys(cur.attributes || {})];
      report(`${label} has no attribute "${s.attr}" (in ${refText})${suggest(s.attr, names)}`);
      return;
    }
    label = `${label}.${s.attr}`;
    cur = next;
  }
}

// ---- Checking a tree ----

async function checkDir(dir) {
  const shown = (f) => path.relative(process.cwd(), path.resolve(dir, f)) || f;
  let files;
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith(".tf")).sort();
  } catch (e) {
    problem(dir, 0, "tree", `cannot read: ${e.message}`);
    return;
  }
  if (files.length === 0) problem(dir, 0, "tree", "no .tf files");

  // terraform fmt, on the whole folder.
  const tf = process.env.INFRAC_TERRAFORM || "terraform";
  const fmt = spawnSync(tf, ["fmt", "-no-color", "-check", "-recursive", "-list=true", dir], {
    encoding: "utf8",
    // fmt needs no CLI configuration; a missing one would only add warnings.
    env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: "/dev/null" },
  });
  if (fmt.error) problem(dir, 0, "terraform fmt", `cannot run ${tf}: ${fmt.error.code || fmt.error.message} (terraform is required)`);
  else if (fmt.status === 3)
    for (const f of fmt.stdout.split("\n").filter(Boolean))
      problem(path.relative(process.cwd(), path.resolve(f)), 0, "terraform fmt", "not formatted as terraform fmt writes it");
  else if (fmt.status !== 0) {
    const err = (fmt.stderr || "").split("\n");
    const i = err.findIndex((l) => l.startsWith("Error: "));
    const on = i >= 0 ? err.slice(i).find((l) => /^\s*on .* line \d+/.test(l)) : null;
    const what = i >= 0 ? err[i].slice(7) + (on ? `, ${on.trim().replace(/:$/, "").replace(/, in .*/, "")}` : "") : err.find(Boolean);
    problem(dir, 0, "terraform fmt", `failed (exit ${fmt.status}): ${what}`);
  }

  // Parse, and gather what is declared where.
  const parsed = [];
  const decl = { resource: new Map(), data: new Map(), variable: new Set(), local: new Set(), module: new Set(), output: new Set() };
  for (const f of files) {
    const file = shown(f);
    const src = fs.readFileSync(path.join(dir, f), "utf8");
    try {
      await hcl2json.parse(f, src);
    } catch (e) {
      // hcl2json reports "[file:range: Summary; Detail file:range: ...]";
      // the first diagnostic's place and summary say enough.
      const text = String(e.message || e).replace(/^parse config: /, "");
      const m = /^\[?(\S+?:\d+,\d+-\d+(?:,\d+)?): ([^;\]]+)/.exec(text);
      problem(file, 0, "syntax", m ? `${m[1]}: ${m[2]}` : text);
      continue;
    }
    let items;
    try {
      [items] = parseBody(src, tokenize(src), 0, false);
    } catch (e) {
      if (!(e instanceof SyntaxProblem)) throw e;
      problem(file, 0, "syntax", e.message);
      continue;
    }
    parsed.push({ file, items });
    for (const it of items) {
      if (it.kind !== "block") continue;
      const dup = (set, key, where) => {
        if (set.has(key)) problem(file, it.line, where, "declared more than once");
      };
      if ((it.type === "resource" || it.type === "data") && it.labels.length === 2) {
        const key = it.labels.join(".");
        const where = `${it.type === "data" ? "data." : "resource."}${key}`;
        const map = decl[it.type];
        dup(map, key, where);
        const has = (n) => it.body.some((b) => b.kind === "attr" && b.name === n);
        map.set(key, { count: has("count"), forEach: has("for_each") });
      } else if (["variable", "module", "output"].includes(it.type) && it.labels.length === 1) {
        dup(decl[it.type], it.labels[0], `${it.type}.${it.labels[0]}`);
        decl[it.type].add(it.labels[0]);
      } else if (it.type === "locals") {
        for (const a of it.body)
          if (a.kind === "attr") {
            dup(decl.local, a.name, `local.${a.name}`);
            decl.local.add(a.name);
          }
      }
    }
  }

  for (const { file, items } of parsed) {
    for (const it of items) {
      if (it.kind === "attr") {
        problem(file, it.line, it.name, "attributes are not allowed at the top level of a Terraform file");
        continue;
      }
      const where = [it.type, ...it.labels].join(".");
      if (!(it.type in TOP_BLOCKS)) {
        problem(file, it.line, where, `unknown top-level block "${it.type}"${suggest(it.type, Object.keys(TOP_BLOCKS))}`);
        continue;
      }
      if (it.labels.length !== TOP_BLOCKS[it.type]) {
        problem(file, it.line, where, `a ${it.type} block takes ${TOP_BLOCKS[it.type]} label(s), not ${it.labels.length}`);
        continue;
      }
      const ctx = { file, where, decl, meta: { count: false, forEach: false }, iterators: new Set() };
      if (it.type === "resource" || it.type === "data") {
        const [type] = it.labels;
        const kind = it.type;
        const types = schema[kind];
        const sch = types[type];
        if (!sch) {
          const what = kind === "data" ? "data source" : "resource";
          const hint = suggest(type, Object.keys(types)) || " (not in the schema; the types it covers are listed in schema/extract.mjs)";
          problem(file, it.line, where, `unknown ${what} type "${type}"${hint}`);
          continue;
        }
        ctx.meta = decl[kind].get(it.labels.join("."));
        ctx.type = type;
        ctx.schema = sch;
        await checkBody(ctx, it.body, sch, "", kind);
      } else if (it.type === "variable") {
        for (const a of it.body)
          if (a.kind === "attr" && a.name !== "type") await checkExpr(ctx, a, "");
          else if (a.kind === "block") await checkPlain(ctx, a.body);
      } else if (["moved", "import", "removed", "terraform"].includes(it.type)) {
        // Addresses and settings, not expressions to evaluate.
      } else {
        if (it.type === "output" && !it.body.some((a) => a.kind === "attr" && a.name === "value"))
          problem(file, it.line, where, 'missing required argument "value"');
        await checkPlain(ctx, it.body);
      }
    }
  }
}

// Bodies without a schema (locals, outputs, providers, modules): only
// their expressions are checked.
async function checkPlain(ctx, items) {
  for (const a of items) {
    if (a.kind === "block") await checkPlain(ctx, a.body);
    else if (ctx.where === "locals") await checkExpr({ ...ctx, where: `local.${a.name}` }, a, "");
    else await checkExpr(ctx, a, "");
  }
}

async function checkBody(ctx, items, sch, pathPrefix, kind) {
  const report = (line, msg) => problem(ctx.file, line, ctx.where, pathPrefix ? `${pathPrefix}: ${msg}` : msg);
  const meta = kind ? META[kind] : { attrs: [], blocks: [] };
  const seen = new Map();
  const args = sch.arguments || {};
  const note = (name) => seen.set(name, (seen.get(name) || 0) + 1);

  if (kind && ctx.meta && ctx.meta.count && ctx.meta.forEach)
    report(items[0] ? items[0].line : 0, 'count and for_each cannot both be set');

  for (const it of items) {
    if (it.kind === "attr") {
      if (meta.attrs.includes(it.name)) {
        if (seen.has(it.name)) report(it.line, `argument "${it.name}" is set more than once`);
        note(it.name);
        if (it.name === "provider") continue; // a provider address, not a value
        await checkExpr(ctx, it, pathPrefix);
        continue;
      }
      const arg = args[it.name];
      if (!arg) {
        if (sch.attributes && sch.attributes[it.name] !== undefined)
          report(it.line, `"${it.name}" is read-only: the provider computes it`);
        else report(it.line, `unknown argument "${it.name}"${suggest(it.name, Object.keys(args))}`);
      } else if (arg.block) {
        report(it.line, `"${it.name}" is a block: write ${it.name} { ... }, not ${it.name} = ...`);
      }
      if (seen.has(it.name)) report(it.line, `argument "${it.name}" is set more than once`);
      note(it.name);
      await checkExpr(ctx, it, pathPrefix);
      continue;
    }
    // A block.
    if (meta.blocks.includes(it.type)) {
      if (it.type === "lifecycle") await checkLifecycle(ctx, it, sch, report);
      continue; // provisioner and connection bodies are free-form here
    }
    if (it.type === "dynamic") {
      const name = it.labels[0];
      const arg = name !== undefined ? args[name] : undefined;
      if (it.labels.length !== 1 || !arg || !(arg.block || arg.type === "object")) {
        report(it.line, `dynamic "${name}" does not name a block${name ? suggest(name, Object.keys(args)) : ""}`);
        continue;
      }
      note(name);
      const iterAttr = it.body.find((a) => a.kind === "attr" && a.name === "iterator");
      const iter = iterAttr ? iterAttr.expr.trim() : name;
      const inner = { ...ctx, iterators: new Set([...ctx.iterators, iter]) };
      let content = null;
      for (const d of it.body) {
        if (d.kind === "attr" && d.name === "for_each") await checkExpr(ctx, d, pathPrefix);
        else if (d.kind === "attr" && d.name !== "iterator" && d.name !== "labels")
          report(d.line, `dynamic "${name}": unknown argument "${d.name}"`);
        else if (d.kind === "block" && d.type === "content") content = d;
        else if (d.kind === "block") report(d.line, `dynamic "${name}": unknown block "${d.type}"`);
      }
      if (!it.body.some((a) => a.kind === "attr" && a.name === "for_each"))
        report(it.line, `dynamic "${name}": missing required argument "for_each"`);
      if (!content) report(it.line, `dynamic "${name}": missing content block`);
      else await checkBody(inner, content.body, arg, pathPrefix ? `${pathPrefix}.${name}` : name, null);
      continue;
    }
    const arg = args[it.type];
    if (!arg) {
      report(it.line, `unknown block "${it.type}"${suggest(it.type, Object.keys(args))}`);
      continue;
    }
    if (!arg.block && arg.type !== "object") {
      report(it.line, `"${it.type}" is an argument: write ${it.type} = ..., not ${it.type} { ... }`);
      continue;
    }
    if (it.labels.length) report(it.line, `block "${it.type}" takes no labels`);
    note(it.type);
    if ((arg.block || arg.nesting) === "single" && seen.get(it.type) === 2)
      report(it.line, `at most one "${it.type}" block is allowed`);
    await checkBody(ctx, it.body, arg, pathPrefix ? `${pathPrefix}.${it.type}` : it.type, null);
  }

  for (const [name, a] of Object.entries(args))
    if (a.required && !seen.has(name)) {
      const line = items.length ? items[0].line : 0;
      report(line, `missing required ${a.block ? "block" : "argument"} "${name}"`);
    }
}

async function checkLifecycle(ctx, block, sch, report) {
  for (const it of block.body) {
    if (it.kind === "block") {
      if (!LIFECYCLE.blocks.includes(it.type)) report(it.line, `lifecycle: unknown block "${it.type}"`);
      else for (const a of it.body) if (a.kind === "attr") await checkExpr(ctx, a, "lifecycle");
      continue;
    }
    if (!LIFECYCLE.attrs.includes(it.name)) {
      report(it.line, `lifecycle: unknown argument "${it.name}"${suggest(it.name, LIFECYCLE.attrs)}`);
      continue;
    }
    if (it.name === "ignore_changes") {
      // Bare argument names of this resource, or `all`.
      if (it.expr.trim() === "all") continue;
      const text = "${" + it.expr + "\n}";
      const refs = await hcl2json.getReferencesInExpression(ctx.file, text);
      for (const r of refs) {
        const t = parseTraversal(text, charIndex(text, r.startPosition));
        if (!sch.arguments[t.root])
          report(it.line, `lifecycle: ignore_changes names "${t.root}", which is not an argument of ${ctx.type}${suggest(t.root, Object.keys(sch.arguments))}`);
      }
      continue;
    }
    await checkExpr(ctx, it, "lifecycle");
  }
}

// Checks the references and function calls in one attribute's expression.
async function checkExpr(ctx, item, pathPrefix) {
  const report = (msg) => problem(ctx.file, item.line, ctx.where, pathPrefix ? `${pathPrefix}: ${msg}` : msg);
  const toks = item.toks || [];
  for (let i = 0; i + 1 < toks.length; i++) {
    const t = toks[i];
    if (t.t !== "ident" || toks[i + 1].t !== "p" || toks[i + 1].v !== "(") continue;
    const prev = toks[i - 1];
    if (prev && prev.t === "p" && (prev.v === "." || prev.v === "::")) continue; // provider::x::f
    if (!FUNCTIONS.has(t.v)) report(`unknown function "${t.v}"${suggest(t.v, FUNCTIONS)}`);
  }

  // A heredoc's closing marker must end its line, hence the newline.
  const text = "${" + item.expr + "\n}";
  let refs;
  try {
    refs = await hcl2json.getReferencesInExpression(ctx.file, text);
  } catch (e) {
    report(`cannot read expression: ${e.message || e}`);
    return;
  }
  const { decl } = ctx;
  for (const r of refs) {
    const t = parseTraversal(text, charIndex(text, r.startPosition));
    const step = (n) => t.steps[n] && t.steps[n].attr;
    if (ctx.iterators.has(t.root)) continue;
    switch (t.root) {
      case "var":
        if (!decl.variable.has(step(0))) report(`reference to undeclared variable var.${step(0)}`);
        continue;
      case "local":
        if (!decl.local.has(step(0))) report(`reference to undeclared local value local.${step(0)}`);
        continue;
      case "module":
        if (!decl.module.has(step(0))) report(`reference to undeclared module module.${step(0)}`);
        continue;
      case "count":
        if (step(0) !== "index") report(`${t.text}: count has only count.index`);
        else if (!ctx.meta || !ctx.meta.count) report(`count.index is used where count is not set`);
        continue;
      case "each":
        if (step(0) !== "key" && step(0) !== "value") report(`${t.text}: each has only each.key and each.value`);
        else if (!ctx.meta || !ctx.meta.forEach) report(`${t.text} is used where for_each is not set`);
        continue;
      case "path":
        if (!["module", "root", "cwd"].includes(step(0))) report(`${t.text}: path has only module, root and cwd`);
        continue;
      case "terraform":
        if (step(0) !== "workspace") report(`${t.text}: terraform has only terraform.workspace`);
        continue;
      case "self":
        continue;
      case "data": {
        const type = step(0), name = step(1);
        const key = `${type}.${name}`;
        if (!decl.data.has(key)) {
          report(`reference to undeclared data source data.${key} (in ${t.text})`);
          continue;
        }
        checkInstance(report, `data.${key}`, decl.data.get(key), t.steps.slice(2), t.text);
        if (schema.data[type]) checkAttributes(report, `data.${type}`, schema.data[type], t.steps.slice(2), t.text);
        continue;
      }
      default: {
        const name = step(0);
        const key = `${t.root}.${name}`;
        if (decl.resource.has(key)) {
          checkInstance(report, key, decl.resource.get(key), t.steps.slice(1), t.text);
          if (schema.resource[t.root])
            checkAttributes(report, t.root, schema.resource[t.root], t.steps.slice(1), t.text);
        } else if (schema.resource[t.root] || /^[a-z0-9]+_[a-z0-9_]+$/.test(t.root)) {
          const hint = schema.resource[t.root] ? "" : suggest(t.root, Object.keys(schema.resource));
          report(`reference to undeclared resource ${key} (in ${t.text})${hint}`);
        } else {
          report(`unknown reference "${t.text}"`);
        }
      }
    }
  }
}

// [N] only on blocks with count or for_each, and those need it before an
// attribute.
function checkInstance(report, addr, meta, rest, refText) {
  if (!rest.length) return;
  const counted = meta.count || meta.forEach;
  if (counted && rest[0].attr)
    report(`${addr} has ${meta.count ? "count" : "for_each"}: index it before .${rest[0].attr} (in ${refText})`);
  if (!counted && rest[0].index) report(`${addr} has no count or for_each, so it cannot be indexed (in ${refText})`);
}

for (const d of dirs) await checkDir(d);

problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.seq - b.seq));
for (const p of problems) console.log(`${p.file}: ${p.where}: ${p.msg}`);
process.exit(problems.length ? 1 : 0);
