// sarif-check.cjs MODULES CASES: see sarif-check. One node process for
// every case, so the schema is compiled once.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const [modules, casesDir] = process.argv.slice(2);
const Ajv = require(path.join(modules, 'ajv-draft-04'));
const addFormats = require(path.join(modules, 'ajv-formats'));
const schemaFile = path.join(modules, '@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8'));
// The schema's language pattern is not valid with the u flag (ajv's default).
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);
const infrac = process.env.INFRAC;

function run(dir, format) {
  const spec = fs.existsSync(path.join(dir, 'spec-path'))
    ? fs.readFileSync(path.join(dir, 'spec-path'), 'utf8').trim()
    : ['spec.yaml', 'spec.yml', 'spec.json'].find((f) => fs.existsSync(path.join(dir, f)));
  const args = fs.existsSync(path.join(dir, 'args'))
    ? fs.readFileSync(path.join(dir, 'args'), 'utf8').trim().split(/\s+/).filter(Boolean) : [];
  const global = fs.existsSync(path.join(dir, 'templates')) ? ['--templates', 'templates'] : [];
  const r = spawnSync(infrac, [...global, 'check', '--format', format, ...args, spec], { cwd: dir, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, out: r.stdout, err: r.stderr, spec };
}

// The work tree holding a file (the folder with .git), as infrac finds it.
function gitRoot(dir) {
  for (let d = fs.realpathSync(dir); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) return null;
  }
}

const level = { error: 'error', warning: 'warning', info: 'note' };
let passed = 0, failed = 0;
for (const name of fs.readdirSync(casesDir).sort()) {
  const dir = path.join(casesDir, name);
  if (!fs.statSync(dir).isDirectory()) continue;
  const problems = [];
  const s = run(dir, 'sarif'), j = run(dir, 'json');
  let log, doc;
  try { log = JSON.parse(s.out); } catch (e) { problems.push(`sarif is not JSON: ${e.message}`); }
  try { doc = JSON.parse(j.out); } catch (e) { problems.push(`json is not JSON: ${e.message}`); }
  if (s.err) problems.push(`sarif wrote to stderr: ${s.err}`);
  if (s.status !== j.status) problems.push(`exit status ${s.status} with sarif, ${j.status} with json`);
  if (log && !validate(log)) problems.push(`schema: ${ajv.errorsText(validate.errors, { separator: '\n  ' })}`);
  if (log && doc) {
    const runObj = log.runs[0];
    const rules = runObj.tool.driver.rules;
    for (const r of rules) {
      // what GitHub code scanning shows for a rule
      if (!r.shortDescription || !r.shortDescription.text) problems.push(`rule ${r.id}: no shortDescription`);
      if (!r.help || !r.help.text || !r.help.markdown) problems.push(`rule ${r.id}: no help text and markdown`);
    }
    const results = runObj.results;
    if (results.length !== doc.findings.length)
      problems.push(`${results.length} SARIF results, ${doc.findings.length} JSON findings`);
    results.forEach((r, i) => {
      const f = doc.findings[i];
      if (!f) return;
      const where = `result ${i}`;
      if (r.ruleId !== (f.rule || 'INF-SPEC-001')) problems.push(`${where}: ruleId ${r.ruleId}, JSON rule ${f.rule}`);
      if (rules[r.ruleIndex] === undefined || rules[r.ruleIndex].id !== r.ruleId)
        problems.push(`${where}: ruleIndex ${r.ruleIndex} does not name ${r.ruleId}`);
      if (r.level !== level[f.severity]) problems.push(`${where}: level ${r.level}, severity ${f.severity}`);
      const text = f.kind === 'error' && f.path ? `${f.path}: ${f.message}` : f.message;
      if (r.message.text !== text) problems.push(`${where}: message ${JSON.stringify(r.message.text)}`);
      if (!f.file) return;
      const loc = r.locations && r.locations[0] && r.locations[0].physicalLocation;
      if (!loc) { problems.push(`${where}: no physical location`); return; }
      const uri = loc.artifactLocation.uri;
      const abs = path.resolve(dir, f.file);
      const root = gitRoot(path.dirname(abs));
      if (root && (uri.startsWith('/') || uri.split('/').includes('..') || /^[a-z]+:/.test(uri)))
        problems.push(`${where}: uri ${uri} is not relative to the repository`);
      const want = root ? path.relative(root, abs).split(path.sep).join('/') : f.file.replace(/^(\.\/)+/, '');
      if (uri !== want) problems.push(`${where}: uri ${uri}, expected ${want}`);
      if (loc.region.startLine !== (f.line || 1)) problems.push(`${where}: startLine ${loc.region.startLine}, line ${f.line}`);
      if (f.column && loc.region.startColumn !== f.column)
        problems.push(`${where}: startColumn ${loc.region.startColumn}, column ${f.column}`);
    });
  }
  if (problems.length) {
    failed++;
    console.error(`FAIL ${name}\n  ${problems.join('\n  ')}`);
  } else {
    passed++;
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed || !passed ? 1 : 0);
