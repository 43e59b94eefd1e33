// tree.mjs: what the Terraform emitter tests share. It builds specs with
// infrac, reads a generated tree with @cdktf/hcl2json, and evaluates the
// expressions infrac writes (literals, lists, objects, string templates,
// references, jsonencode) so that tests assert facts on values instead of
// matching text.
//
// Values: a reference evaluates to the string "${aws_x.name.attr}", so a
// bare reference and a template holding only it read the same, and
// "${aws_dynamodb_table.configs.arn}/index/*" reads as written. jsonencode(x)
// evaluates to x (the document itself). Any other function, a directive
// (%{...}) or syntax outside that subset throws: infrac writes none.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const here = path.dirname(fileURLToPath(import.meta.url));
export const top = path.resolve(here, "../..");

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
export const hcl2json = await import(pathToFileURL(path.join(modules, "@cdktf/hcl2json/lib/index.js")).href);

// ---- failures ----

let failures = 0;
let checks = 0;
export function check(cond, what) {
  checks++;
  if (!cond) {
    failures++;
    console.log(`FAIL: ${what}`);
  }
  return cond;
}
// JSON with object keys sorted, so key order never decides equality.
export function canonical(v) {
  return JSON.stringify(v, (k, x) =>
    x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x);
}
export function equal(got, want, what) {
  const g = canonical(got), w = canonical(want);
  return check(g === w, `${what}\n  got:  ${g}\n  want: ${w}`);
}
export function finish(name) {
  console.log(`${name}: ${checks - failures} passed, ${failures} failed`);
  process.exit(failures || checks === 0 ? 1 : 0);
}

// ---- building ----

export function infrac() {
  const bin = process.env.INFRAC || path.join(top, "build/infrac");
  if (!fs.existsSync(bin)) {
    console.error(`infrac not found at ${bin} (set INFRAC)`);
    process.exit(1);
  }
  return bin;
}

export function tmpdir(tag) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `infrac-tf-${tag}-`));
  process.on("exit", () => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

// Build SPEC for the terraform target (all environments); returns the
// output folder. Exits on failure, printing what infrac said.
export function build(spec, out, extra = []) {
  const r = spawnSync(infrac(), ["build", "--target", "terraform", "--all-envs", "-o", out, ...extra, spec], {
    encoding: "utf8",
  });
  if (r.status !== 0) {
    console.error(`infrac build ${spec} failed (exit ${r.status}):\n${r.stderr}`);
    process.exit(1);
  }
  return out;
}

// ---- reading a tree ----

// Every .tf file of DIR through hcl2json, merged into one configuration:
// { resource: { type: { name: body } }, data, output, provider, terraform }.
// Blocks are unwrapped from hcl2json's one-element arrays at the top level.
export async function loadTree(dir) {
  const conf = { resource: {}, data: {}, output: {}, provider: {}, terraform: [], files: {} };
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".tf")).sort()) {
    const j = await hcl2json.parse(f, fs.readFileSync(path.join(dir, f), "utf8"));
    conf.files[f] = j;
    for (const kind of ["resource", "data"])
      for (const [type, byName] of Object.entries(j[kind] || {}))
        for (const [name, bodies] of Object.entries(byName)) {
          conf[kind][type] ??= {};
          if (conf[kind][type][name]) throw new Error(`${kind}.${type}.${name} declared twice`);
          conf[kind][type][name] = bodies[0];
        }
    for (const [name, bodies] of Object.entries(j.output || {})) conf.output[name] = bodies[0];
    for (const [name, bodies] of Object.entries(j.provider || {})) conf.provider[name] = bodies[0];
    for (const t of j.terraform || []) conf.terraform.push(t);
  }
  return conf;
}

// ---- evaluating infrac's expressions ----

class Parser {
  constructor(src) {
    this.s = src;
    this.i = 0;
  }
  fail(msg) {
    throw new Error(`${msg} at ${this.i} in ${JSON.stringify(this.s.slice(Math.max(0, this.i - 30), this.i + 30))}`);
  }
  ws() {
    for (;;) {
      const c = this.s[this.i];
      if (c === " " || c === "\t" || c === "\r" || c === "\n") this.i++;
      else if (c === "#" || (c === "/" && this.s[this.i + 1] === "/")) {
        while (this.i < this.s.length && this.s[this.i] !== "\n") this.i++;
      } else return;
    }
  }
  eat(t) {
    this.ws();
    if (this.s.startsWith(t, this.i)) {
      this.i += t.length;
      return true;
    }
    return false;
  }
  expect(t) {
    if (!this.eat(t)) this.fail(`expected ${t}`);
  }
  ident() {
    this.ws();
    const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.s.slice(this.i));
    if (!m) return null;
    this.i += m[0].length;
    return m[0];
  }
  expr() {
    this.ws();
    const c = this.s[this.i];
    if (c === '"') {
      this.i++;
      return this.template('"', true);
    }
    if (c === "[") {
      this.i++;
      const items = [];
      while (!this.eat("]")) {
        items.push(this.expr());
        if (!this.eat(",")) {
          this.expect("]");
          break;
        }
      }
      return items;
    }
    if (c === "{") {
      this.i++;
      const obj = {};
      while (!this.eat("}")) {
        this.ws();
        let key;
        if (this.s[this.i] === '"') {
          this.i++;
          key = this.template('"', true);
          if (typeof key !== "string") this.fail("a key must be a plain string");
        } else key = this.ident();
        if (key === null) this.fail("expected an object key");
        if (!this.eat("=") && !this.eat(":")) this.fail("expected = after an object key");
        if (Object.prototype.hasOwnProperty.call(obj, key)) this.fail(`duplicate key ${key}`);
        obj[key] = this.expr();
        this.eat(",");
      }
      return obj;
    }
    const num = /^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.s.slice(this.i));
    if (num) {
      this.i += num[0].length;
      return Number(num[0]);
    }
    const start = this.i;
    const name = this.ident();
    if (name === null) this.fail("expected an expression");
    if (name === "true") return true;
    if (name === "false") return false;
    if (name === "null") return null;
    if (this.s[this.i] === "(") {
      this.i++;
      if (name !== "jsonencode") this.fail(`function ${name}() is not one infrac writes`);
      const arg = this.expr();
      this.expect(")");
      return arg;
    }
    // A traversal: .name, [N], ["key"], [*], .*
    for (;;) {
      if (this.s[this.i] === "." && /[A-Za-z_*]/.test(this.s[this.i + 1] || "")) {
        this.i++;
        if (this.s[this.i] === "*") this.i++;
        else this.ident();
      } else if (this.s[this.i] === "[") {
        const close = this.s.indexOf("]", this.i);
        if (close < 0) this.fail("unclosed index");
        this.i = close + 1;
      } else break;
    }
    return "${" + this.s.slice(start, this.i) + "}";
  }
  // The inside of a quoted string (escapes when 'quoted') or of a whole
  // template, up to 'end'. A template that is one interpolation and nothing
  // else has that interpolation's value, as in HCL.
  template(end, quoted) {
    const parts = [];
    let lit = "";
    for (;;) {
      if (this.i >= this.s.length) {
        if (end === null) break;
        this.fail("unterminated string");
      }
      const c = this.s[this.i];
      if (end !== null && c === end) {
        this.i++;
        break;
      }
      if (quoted && c === "\\") {
        const e = this.s[this.i + 1];
        const simple = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };
        if (e in simple) {
          lit += simple[e];
          this.i += 2;
        } else if (e === "u" || e === "U") {
          const n = e === "u" ? 4 : 8;
          const hex = this.s.slice(this.i + 2, this.i + 2 + n);
          if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== n) this.fail("bad unicode escape");
          lit += String.fromCodePoint(parseInt(hex, 16));
          this.i += 2 + n;
        } else this.fail(`bad escape \\${e}`);
        continue;
      }
      if ((c === "$" || c === "%") && this.s[this.i + 1] === c && this.s[this.i + 2] === "{") {
        lit += c + "{";
        this.i += 3;
        continue;
      }
      if (c === "%" && this.s[this.i + 1] === "{") this.fail("template directive");
      if (c === "$" && this.s[this.i + 1] === "{") {
        this.i += 2;
        if (lit) parts.push(lit);
        lit = "";
        parts.push({ value: this.expr() });
        this.expect("}");
        continue;
      }
      if (quoted && c === "\n") this.fail("newline in a quoted string");
      lit += c;
      this.i++;
    }
    if (lit) parts.push(lit);
    if (parts.length === 1 && typeof parts[0] === "object") return parts[0].value;
    return parts.map((p) => (typeof p === "string" ? p : typeof p.value === "string" ? p.value : JSON.stringify(p.value))).join("");
  }
}

// One string as hcl2json gives it: template source, whose ${...} parts are
// expressions and whose $${ and %%{ are literal.
export function evalString(s) {
  const p = new Parser(s);
  return p.template(null, false);
}

// A whole hcl2json value, strings evaluated, blocks (arrays of objects) kept.
export function evalDeep(v) {
  if (typeof v === "string") return evalString(v);
  if (Array.isArray(v)) return v.map(evalDeep);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, evalDeep(x)]));
  return v;
}

// resource(conf, "aws_subnet") -> { name: evaluated body }
export function resources(conf, type) {
  return Object.fromEntries(Object.entries(conf.resource[type] || {}).map(([n, b]) => [n, evalDeep(b)]));
}

// "${aws_security_group.x.id}" -> "aws_security_group.x"
export function refAddr(v) {
  const m = /^\$\{((?:data\.)?[a-z0-9_]+\.[A-Za-z0-9_-]+)\.[^}]*\}$/.exec(v || "");
  return m ? m[1] : null;
}

export function asList(v) {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
