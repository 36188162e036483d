// Search benchmark in a headless browser: gazette's client and Pagefind's on
// the same corpus, per kind of query — what each fetches to show its first ten
// results (a cold cache each query), and whether what it returns is exact.
//
//   node bench/search.mjs --corpus CORPUS.json --gazette OUT [--pagefind HUGO_OUT] [--per-kind 40]
//
// CORPUS.json is gazette's search documents (`cargo run --release -p
// gazette-site --example search_corpus -- PROJECT CORPUS.json`); OUT a gazette
// build of that project, HUGO_OUT Hugo's build with Pagefind's index in
// pagefind/. Queries are drawn from the corpus (seeded): 2, 3, 4 and 6 Chinese
// characters from titles and bodies, mixed digits and Chinese (2023年度…), and
// doc numbers as written. Exactness is judged by the brute-force reading of
// search/js/oracle.mjs: a page is wanted when it holds the query; recall is
// over every result (their data is fetched after the first ten are measured,
// and not counted), "lacking" counts returned pages that do not hold it.
// Bytes are what the browser received (no HTTP compression; gzip sizes are
// computed from the same files), including the client's own script and, for
// Pagefind, its WebAssembly.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { pagesContaining } from '../search/js/oracle.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { launchBrowser } = require(path.join(repo, 'tests/e2e/harness.js'));

const args = Object.fromEntries(process.argv.slice(2).join(' ').split('--').filter(Boolean)
  .map((a) => { const [k, ...v] = a.trim().split(/\s+/); return [k, v.join(' ')]; }));
if (!args.corpus || !args.gazette) {
  console.error('usage: node bench/search.mjs --corpus CORPUS.json --gazette OUT [--pagefind HUGO_OUT] [--per-kind 40]');
  process.exit(2);
}
const perKind = Number(args['per-kind'] || 40);
const corpus = JSON.parse(fs.readFileSync(args.corpus, 'utf8'));

// ---- queries drawn from the corpus -----------------------------------------
let seed = 11;
const random = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return (seed >>> 8) % n; };
const CJK = '\\u3400-\\u4dbf\\u4e00-\\u9fff';
const blocksOf = (p) => [p.title, ...(Array.isArray(p.body) ? p.body : [p.body])].filter(Boolean);
function draw(pattern, cut) {
  for (let tries = 0; tries < 10000; tries++) {
    const page = corpus[random(corpus.length)];
    const blocks = blocksOf(page);
    const block = random(4) === 0 ? blocks[0] : blocks[random(blocks.length)];
    const found = block.match(pattern) || [];
    if (!found.length) continue;
    const q = cut(found[random(found.length)]);
    if (q) return q;
  }
  return null;
}
const chinese = (n) => () => draw(new RegExp(`[${CJK}]{${n},}`, 'g'), (run) => {
  const at = random(run.length - n + 1);
  return run.slice(at, at + n);
});
const kinds = {
  '2 characters': chinese(2),
  '3 characters': chinese(3),
  '4 characters': chinese(4),
  '6 characters': chinese(6),
  'mixed': () => draw(new RegExp(`[0-9]{1,4}[${CJK}]{1,4}|[${CJK}]{1,3}[0-9]{1,4}[${CJK}]{0,2}`, 'g'), (m) => m),
  'doc number': () => { const withNumber = corpus.filter((p) => p.doc_number); return withNumber[random(withNumber.length)].doc_number; },
};
const queries = Object.fromEntries(Object.entries(kinds).map(([k, make]) => {
  const set = new Set();
  for (let i = 0; set.size < perKind && i < perKind * 20; i++) { const q = make(); if (q) set.add(q); }
  return [k, [...set]];
}));

// ---- static servers: one per site, files only, no compression ----------------
const BLANK = '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>bench</title></head><body></body></html>';
const TYPES = { '.js': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm', '.html': 'text/html' };
function serve(root) {
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (url === '/__bench.html') { res.writeHead(200, { 'content-type': 'text/html' }); res.end(BLANK); return; }
    if (url === '/__shown') { res.writeHead(204); res.end(); return; }
    const file = path.join(root, path.normalize(url).replace(/^(\.\.[/\\])+/, ''));
    fs.readFile(file, (err, data) => {
      if (err) { res.writeHead(404); res.end(); return; }
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(data);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
const origin = (server) => `http://127.0.0.1:${server.address().port}`;
const gzipSize = (root, url) => {
  try { return zlib.gzipSync(fs.readFileSync(path.join(root, decodeURIComponent(new URL(url).pathname)))).length; } catch { return 0; }
};

// ---- engines ----------------------------------------------------------------
// Each runs in a fresh browser context (cold cache) and returns the urls of its
// first ten results, every result's id, and the resources fetched until the ten
// were shown.
const searchJs = fs.readFileSync(path.join(args.gazette, 'search.js'), 'utf8');
const gazetteIds = (() => {
  const dir = path.join(args.gazette, 'search/index');
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8'));
  const urls = [];
  const read = (n) => JSON.parse(fs.readFileSync(path.join(dir, 'd', `${n}.json`), 'utf8'));
  for (let id = 0; id < meta.ids; id++) {
    // One details file per page, or (an earlier format) chunks of `meta.chunk`.
    const d = meta.chunk ? read(Math.floor(id / meta.chunk))[id % meta.chunk] : read(id);
    urls[id] = d && d[0];
  }
  return urls;
});

const engines = {
  gazette: {
    root: args.gazette,
    async run(page, q) {
      return page.evaluate(async ({ source, q }) => {
        const module = { exports: {} };
        new Function('module', source)(module);
        const engine = module.exports.createSearch((p) => fetch('/search/index/' + p)
          .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`${r.url}: ${r.status}`)))));
        // The first ten results, as the page shows them (an earlier client
        // without `more` found every result at once).
        const result = await engine.search({ q }, 10);
        const first = await engine.details(result.hits.slice(0, 10).map((h) => h.id));
        await fetch('/__shown');
        if (engine.more && !result.complete) await engine.more(result, Infinity);
        return { first: first.map((d) => d.url), ids: result.hits.map((h) => h.id) };
      }, { source: searchJs, q });
    },
    script: 'search.js',
  },
  pagefind: {
    root: args.pagefind,
    async run(page, q) {
      return page.evaluate(async (q) => {
        const pf = await import('/pagefind/pagefind.js');
        const found = await pf.search(q);
        const first = await Promise.all(found.results.slice(0, 10).map((r) => r.data()));
        await fetch('/__shown');
        return { first: first.map((d) => d.url), ids: found.results.map((r) => r.id) };
      }, q);
    },
  },
};

// Pagefind's result ids are its fragment files; each holds the page's url.
function pagefindUrls(root) {
  const dir = path.join(root, 'pagefind', 'fragment');
  const urls = new Map();
  for (const f of fs.readdirSync(dir)) {
    const raw = zlib.gunzipSync(fs.readFileSync(path.join(dir, f))).toString('utf8');
    urls.set(f.replace(/\.pf_fragment$/, ''), JSON.parse(raw.slice(raw.indexOf('{'))).url);
  }
  return urls;
}

const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;

const browser = await launchBrowser();
const servers = [];
try {
  const wanted = new Map();
  for (const list of Object.values(queries)) for (const q of list) wanted.set(q, new Set(pagesContaining(corpus, q)));
  for (const [name, engine] of Object.entries(engines)) {
    if (!engine.root) continue;
    const server = await serve(engine.root);
    servers.push(server);
    const base = origin(server);
    const idToUrl = name === 'gazette' ? gazetteIds() : pagefindUrls(engine.root);
    const lookup = (id) => (name === 'gazette' ? idToUrl[id] : idToUrl.get(id));
    console.log(`\n${name} (${corpus.length} pages)`);
    for (const [kind, list] of Object.entries(queries)) {
      const raw = [], gz = [], files = [];
      let found = 0, want = 0, lacking = 0, firstLacking = 0;
      for (const q of list) {
        // Every response the page and its workers received until the first
        // ten results were shown (the page says so by fetching /__shown).
        const context = await browser.newContext();
        const received = [];
        let shown = false;
        context.on('requestfinished', (request) => {
          if (request.url().endsWith('/__shown')) shown = true;
          else if (!shown && !request.url().endsWith('/__bench.html')) received.push(request);
        });
        const page = await context.newPage();
        await page.goto(base + '/__bench.html');
        const r = await engine.run(page, q);
        const resources = await Promise.all(received.map(async (req) => [req.url(), (await req.sizes()).responseBodySize]));
        await context.close();
        raw.push(resources.reduce((n, [, size]) => n + size, 0));
        gz.push(resources.reduce((n, [u]) => n + gzipSize(engine.root, u), 0));
        files.push(resources.length);
        const got = new Set(r.ids.map(lookup).map((u) => u && u.replace(/index\.html$/, '')));
        const w = wanted.get(q);
        for (const u of w) { want++; if (got.has(u)) found++; }
        for (const u of got) if (!w.has(u)) lacking++;
        for (const u of r.first) if (!w.has(u.replace(/index\.html$/, ''))) firstLacking++;
      }
      console.log(`  ${kind.padEnd(13)} ${String(list.length).padStart(3)} queries: fetched median ${kb(pct(raw, 0.5))}, ` +
        `p90 ${kb(pct(raw, 0.9))}, max ${kb(Math.max(...raw))} (gzipped median ${kb(pct(gz, 0.5))}) in median ${pct(files, 0.5)} files; ` +
        `recall ${want ? (100 * found / want).toFixed(1) : '—'}% (${found}/${want}), ` +
        `returned lacking the query ${lacking}` + (firstLacking ? ` (${firstLacking} among first ten)` : ''));
    }
  }
} finally {
  await browser.close();
  for (const s of servers) s.close();
}
