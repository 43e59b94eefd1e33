// mermaid.mjs FILE...: parse each Mermaid file with the npm mermaid
// package's own flowchart parser (no browser: jsdom stands in for the DOM
// that mermaid's sanitizer wants) and print, as one JSON array, what it
// read: the vertices with their label text, the edges with their kind and
// label, and the subgraphs with their members. A file that does not parse
// gets {"error": ...} instead. NODE_PATH must hold mermaid and jsdom
// (tests/tools/ensure-npm prints it).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const modules = (process.env.NODE_PATH || '').split(':').filter(Boolean);
const require = createRequire(join(modules[0] || '.', 'noop.js'));
const { JSDOM } = require('jsdom');
const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;

const core = join(modules[0], 'mermaid', 'dist', 'mermaid.core.mjs');
const { default: mermaid } = await import(pathToFileURL(core).href);
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });

const out = [];
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8');
  try {
    await mermaid.parse(text);
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    const db = diagram.db;
    const vertices = {};
    for (const [id, v] of db.getVertices())
      vertices[id] = { text: v.text ?? '', type: v.type ?? null };
    const edges = db.getEdges().map((e) => ({
      from: e.start, to: e.end, stroke: e.stroke, type: e.type, text: e.text ?? '',
    }));
    const subgraphs = db.getSubGraphs().map((s) => ({ id: s.id, title: s.title, nodes: s.nodes }));
    out.push({ file, type: diagram.type, vertices, edges, subgraphs });
  } catch (err) {
    out.push({ file, error: String(err && err.message ? err.message : err) });
  }
}
process.stdout.write(JSON.stringify(out));
