// check-markdown.js NODE_MODULES CASE_DIR...: run `infrac diff --format
// markdown` and `--format json` on every case and check the markdown with
// real parsers: commonmark (the CommonMark reference implementation) and
// markdown-it (CommonMark plus GitHub's tables, as a PR comment renders).
// Per environment the JSON is the truth the markdown must show: the
// summary line first, a collapsible <details> section per kind of change
// listing exactly those resources, every data loss, and the security table
// with one row per security-relevant change. One process checks them all.
'use strict';
const path = require('path');
const fs = require('fs');
const { execFileSync } = require('child_process');
const nm = process.argv[2];
const commonmark = require(path.join(nm, 'commonmark'));
const MarkdownIt = require(path.join(nm, 'markdown-it'));
const infrac = process.env.INFRAC;
if (!infrac) { console.error('check-markdown: set INFRAC'); process.exit(2); }

const titles = { destroy: 'Destroy', replace: 'Replace', change: 'Update in place', add: 'Create' };
let failures = 0, checked = 0;

function run(dir, fmt) {
  const old = fs.existsSync(path.join(dir, 'old.yaml')) ? 'old.yaml' : '/dev/null';
  const args = fs.existsSync(path.join(dir, 'args'))
    ? fs.readFileSync(path.join(dir, 'args'), 'utf8').trim().split(/\s+/) : [];
  try {
    return execFileSync(infrac, ['diff', ...args, '--format', fmt, old, 'new.yaml'],
                        { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    if (e.status === 1) return e.stdout;   // differences
    throw new Error(`infrac exited ${e.status}: ${e.stderr}`);
  }
}

function text(node) {   // the literal text under a node
  let s = '', w = node.walker(), ev;
  while ((ev = w.next())) if (ev.entering && ev.node.literal && ev.node.type !== 'html_inline') s += ev.node.literal;
  return s;
}
function children(node) { const v = []; for (let c = node.firstChild; c; c = c.next) v.push(c); return v; }
function firstCode(node) {
  let w = node.walker(), ev;
  while ((ev = w.next())) if (ev.entering && ev.node.type === 'code') return ev.node.literal;
  return null;
}

function checkCase(dir) {
  const name = path.basename(dir);
  const problems = [];
  const fail = (m) => problems.push(m);
  const md = run(dir, 'markdown');
  const js = JSON.parse(run(dir, 'json'));
  const doc = new commonmark.Parser().parse(md);
  const blocks = children(doc);
  // No HTML but the collapsible sections' own tags.
  let w = doc.walker(), ev;
  while ((ev = w.next()))
    if (ev.entering && (ev.node.type === 'html_block' || ev.node.type === 'html_inline'))
      for (const tag of ev.node.literal.match(/<[^>]*>/g) || [])
        if (!/^<\/?(details|summary)>$/.test(tag)) fail(`unexpected HTML ${tag}`);
  const heads = blocks.map((b, i) => [b, i]).filter(([b]) => b.type === 'heading' && b.level === 3);
  if (heads.length !== js.environments.length)
    fail(`${heads.length} level-3 headings for ${js.environments.length} environments`);
  const tables = [];
  const tokens = new MarkdownIt().parse(md, {});
  for (let t = 0; t < tokens.length; t++) if (tokens[t].type === 'table_open') {
    const rows = [];
    let inBody = false, row = null;
    for (let k = t + 1; tokens[k].type !== 'table_close'; k++) {
      const tk = tokens[k];
      if (tk.type === 'tbody_open') inBody = true;
      if (inBody && tk.type === 'tr_open') row = [];
      if (inBody && tk.type === 'inline') row.push(tk.content);
      if (inBody && tk.type === 'tr_close') rows.push(row);
    }
    tables.push(rows);
  }
  let tableIndex = 0;
  js.environments.forEach((env, e) => {
    if (!heads[e]) return;
    const [head, at] = heads[e];
    const end = e + 1 < heads.length ? heads[e + 1][1] : blocks.length;
    const mine = blocks.slice(at + 1, end);
    if (!text(head).includes(`${env.name}`) || !text(head).includes(`(${env.env})`))
      fail(`heading "${text(head)}" does not name ${env.name} (${env.env})`);
    const s = env.summary;
    const want = `Plan: ${s.add} to add, ${s.change} to change, ${s.replace} to replace, ${s.destroy} to destroy.`;
    const first = mine[0];
    if (!first || first.type !== 'paragraph' || !first.firstChild || first.firstChild.type !== 'strong' ||
        text(first.firstChild) !== want)
      fail(`[${env.env}] the first block is not the summary "${want}"`);
    for (const act of ['destroy', 'replace', 'change', 'add']) {
      const ids = env.resources.filter((r) => r.action === act).map((r) => r.id);
      const k = mine.findIndex((b) => b.type === 'html_block' &&
                               b.literal.includes(`<details>\n<summary>${titles[act]} (${ids.length})</summary>`));
      if (!ids.length) {
        if (k >= 0) fail(`[${env.env}] a ${act} section with nothing to ${act}`);
        continue;
      }
      if (k < 0) { fail(`[${env.env}] no <details> section for ${act} (${ids.length})`); continue; }
      const list = mine[k + 1];
      if (!list || list.type !== 'list') { fail(`[${env.env}] the ${act} section holds no list`); continue; }
      const got = children(list).map(firstCode);
      if (JSON.stringify(got) !== JSON.stringify(ids))
        fail(`[${env.env}] the ${act} section lists ${JSON.stringify(got)}, the JSON ${JSON.stringify(ids)}`);
      const close = mine[k + 2];
      if (!close || close.type !== 'html_block' || !close.literal.startsWith('</details>'))
        fail(`[${env.env}] the ${act} section is not closed right after its list`);
    }
    // At a glance: every data loss and the security verdict, before the sections.
    const glance = mine.find((b) => b.type === 'list');
    const items = glance ? children(glance).map((li) => [text(li), firstCode(li)]) : [];
    for (const r of env.resources.filter((r) => r.data_loss))
      if (!items.some(([t, c]) => t.startsWith('Data loss:') && c === r.id))
        fail(`[${env.env}] data loss of ${r.id} is not listed at the top`);
    if (env.resources.length) {
      const sec = items.find(([t]) => t.startsWith('Security:'));
      if (!sec) fail(`[${env.env}] no security verdict at the top`);
      else if (env.security.length ? !sec[0].includes(`${env.security.length} change`) : !sec[0].includes('no security-relevant changes'))
        fail(`[${env.env}] the security verdict "${sec[0]}" does not match ${env.security.length} findings`);
    }
    const h4 = mine.findIndex((b) => b.type === 'heading' && b.level === 4 && text(b) === 'Security-relevant changes');
    if (!env.security.length) {
      if (h4 >= 0) fail(`[${env.env}] a security table without security changes`);
      return;
    }
    if (h4 < 0) { fail(`[${env.env}] no "Security-relevant changes" heading`); return; }
    // CommonMark has no tables: the pipe rows stay one paragraph, each line a row.
    const para = mine[h4 + 1];
    const lines = para && para.type === 'paragraph' ? text(para).split('\n') : [];
    if (lines.length !== env.security.length + 2 && text(para).split('|').length < 4)
      fail(`[${env.env}] the table under the heading is not a block of pipe rows`);
    const rows = tables[tableIndex++] || [];
    if (rows.length !== env.security.length)
      fail(`[${env.env}] the security table has ${rows.length} rows, the JSON ${env.security.length} findings`);
    env.security.forEach((f, i) => {
      const row = rows[i] || [];
      if (row.length !== 4) { fail(`[${env.env}] security row ${i + 1} has ${row.length} cells`); return; }
      if (row[0] !== f.title) fail(`[${env.env}] row ${i + 1} says "${row[0]}", expected "${f.title}"`);
      if (!row[1].includes(f.resource)) fail(`[${env.env}] row ${i + 1} does not name ${f.resource}`);
      if (f.origin && !row[3].includes(`${f.origin.file}:${f.origin.line}:${f.origin.col}`))
        fail(`[${env.env}] row ${i + 1} does not give the spec position`);
    });
  });
  checked++;
  if (problems.length) {
    failures++;
    console.error(`check-markdown: ${name}:\n  ` + problems.join('\n  '));
  }
}

for (const dir of process.argv.slice(3)) {
  try { checkCase(dir); } catch (e) { failures++; console.error(`check-markdown: ${path.basename(dir)}: ${e.message}`); }
}
console.log(`check-markdown: ${checked - failures} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
