// hcl2json.mjs DIR...: every .tf file directly in each DIR, parsed by
// @cdktf/hcl2json, printed on stdout as one JSON object
// {DIR: {FILE: parsed}}. One node process for every tree of a test run.
// The package comes from tests/tools/ensure-npm (installed once into
// .tools/node) or from $INFRAC_NODE_MODULES; a failure to install it is an
// error, never a skip.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
let modules = process.env.INFRAC_NODE_MODULES;
if (!modules) {
  try {
    modules = execFileSync(path.join(top, "tests/tools/ensure-npm"), ["@cdktf/hcl2json"], {
      encoding: "utf8", stdio: ["ignore", "pipe", "pipe"],
    }).trim();
  } catch (e) {
    process.stderr.write(e.stderr || "");
    console.error(`cannot install @cdktf/hcl2json with tests/tools/ensure-npm: ${e.message}`);
    process.exit(2);
  }
}
const { parse } = await import(pathToFileURL(path.join(modules, "@cdktf/hcl2json/lib/index.js")).href);

const out = {};
for (const dir of process.argv.slice(2)) {
  out[dir] = {};
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".tf")).sort())
    out[dir][f] = await parse(f, fs.readFileSync(path.join(dir, f), "utf8"));
}
process.stdout.write(JSON.stringify(out));
