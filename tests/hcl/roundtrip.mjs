// roundtrip.mjs WORKDIR NODE_MODULES: checks what hcl_gen inject wrote
// reads back as exactly the intended literal strings.
//
// Two readers:
//  - @cdktf/hcl2json parses WORKDIR/tf/main.tf and WORKDIR/labels/labels.tf.
//    Its JSON follows Terraform's JSON syntax, where a string is itself a
//    template: it decodes escapes (\n, \", \uNNNN) but writes a literal "${"
//    as "$${" and "%{" as "%%{", and shows an interpolation as "${ref}". So a
//    literal s is reported as enc(s) (enc doubles the introducer), and a
//    template as the concatenation of enc(literal part) and "${ref}" parts.
//    (That concatenation is ambiguous when a literal part ends in "$": the
//    HCL `x${"$"}${ref}` is reported as "x$${ref}". terraform below reads
//    it right.) Object keys are reported the same way as values, enc(key);
//    block labels are plain decoded strings (labels never hold '$' or '%').
//  - terraform evaluated the same file (roundtrip.sh ran init and apply);
//    WORKDIR/tf-output.json holds the values of its outputs.
// HCL normalizes every string literal to Unicode NFC, so the expected
// values are compared in NFC.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [work, modules] = process.argv.slice(2);
const { parse } = await import(pathToFileURL(path.join(modules, "@cdktf/hcl2json/lib/index.js")).href);
const expected = JSON.parse(fs.readFileSync(path.join(work, "expected.json"), "utf8"));
const tfOut = JSON.parse(fs.readFileSync(path.join(work, "tf-output.json"), "utf8"));
const readTf = (rel) => fs.readFileSync(path.join(work, rel), "utf8");

const enc = (s) => s.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
const dec = (s) => s.replace(/\$\$\{/g, () => "${").replace(/%%\{/g, () => "%{");
const nfc = (s) => s.normalize("NFC");
const show = (s) => JSON.stringify(s);

let passed = 0;
const failures = [];
function check(what, got, want) {
  if (got === want) passed++;
  else failures.push(`${what}: got ${show(got)}, want ${show(want)}`);
}

const hcl = await parse("main.tf", readTf("tf/main.tf"));
const locals = hcl.locals[0];

for (const [name, want] of Object.entries(expected.strings)) {
  const got = locals.strings[name];
  check(`hcl2json strings.${name}`, got, enc(nfc(want)));
  check(`hcl2json strings.${name} decoded`, got === undefined ? got : dec(got), nfc(want));
  check(`terraform strings.${name}`, tfOut.strings.value[name], nfc(want));
}

for (const [name, parts] of Object.entries(expected.templates)) {
  // Adjacent literal parts are one literal, as the writer joins them.
  const merged = [];
  for (const p of parts) {
    const last = merged[merged.length - 1];
    if (p.lit !== undefined && last && last.lit !== undefined) last.lit += p.lit;
    else merged.push({ ...p });
  }
  const shown = merged.map((p) => (p.lit !== undefined ? enc(nfc(p.lit)) : "${" + p.ref + "}")).join("");
  const value = merged.map((p) => (p.lit !== undefined ? nfc(p.lit) : expected.v)).join("");
  check(`hcl2json templates.${name}`, locals.templates[name], shown);
  check(`terraform templates.${name}`, tfOut.templates.value[name], value);
}

const wantKeys = Object.fromEntries(Object.entries(expected.keys).map(([k, v]) => [nfc(k), v]));
const sorted = (keys) => show([...keys].sort());
check("hcl2json keys (set)", sorted(Object.keys(locals.keys)), sorted(Object.keys(wantKeys).map(enc)));
check("terraform keys (set)", sorted(Object.keys(tfOut.keys.value)), sorted(Object.keys(wantKeys)));
for (const [k, v] of Object.entries(wantKeys)) {
  check(`hcl2json keys[${show(enc(k))}]`, locals.keys[enc(k)], v);
  check(`terraform keys[${show(k)}]`, tfOut.keys.value[k], v);
}

const labels = await parse("labels.tf", readTf("labels/labels.tf"));
expected.labels.forEach((label, i) => {
  const name = `l${String(i).padStart(2, "0")}`;
  const byLabel = labels.thing || {};
  const found = Object.keys(byLabel).find((l) => byLabel[l][name]);
  check(`hcl2json label ${name}`, found, nfc(label));
});

for (const f of failures) console.error(`FAIL ${f}`);
console.log(`${passed} passed, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);
