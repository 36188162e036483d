// Measures the browser client on a benchmark index: exactness against brute
// force, and what a phone would fetch per query (a cold cache each time).
//
//   cargo run --release -p gazette-search --example bench_index -- 10000 --out /tmp/bench
//   node search/js/measure.mjs /tmp/bench
//
// Not a test (the tests run on the small fixture); a tool for the numbers.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const client = createRequire(import.meta.url)(path.join(repo, 'static/search.js'));
const root = process.argv[2];
if (!root || !fs.existsSync(path.join(root, 'index', 'meta.json'))) {
  console.error('usage: node search/js/measure.mjs DIR  (DIR from bench_index --out DIR)');
  process.exit(2);
}
const corpus = JSON.parse(fs.readFileSync(path.join(root, 'corpus.json'), 'utf8'));
const meta = JSON.parse(fs.readFileSync(path.join(root, 'index', 'meta.json'), 'utf8'));

function engine() {
  const fetched = new Map();
  const e = client.createSearch(async (p) => {
    const raw = fs.readFileSync(path.join(root, 'index', p));
    fetched.set(p, [raw.length, zlib.gzipSync(raw).length]);
    return JSON.parse(raw.toString('utf8'));
  });
  return { ...e, fetched };
}

const CJK = '\\u3007\\u3040-\\u30ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uac00-\\ud7af\\uf900-\\ufaff';
const joinCjk = new RegExp(`([${CJK}])\\s+(?=[${CJK}])`, 'g');
const fold = (s) => String(s || '').replace(joinCjk, '$1');
const texts = corpus.map((p) => [p.title, p.doc_number, ...p.issuers, p.body].map(fold));

// Ids in the index → url, from every page's details file.
const all = engine();
const urlOf = (await all.details([...Array(meta.ids).keys()])).map((d) => d.url);

let seed = 7;
const random = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return (seed >>> 8) % n; };
const queries = [];
while (queries.length < 400) {
  const fields = texts[random(texts.length)];
  const text = fields[random(4) === 0 ? 0 : fields.length - 1] || '';
  const runs = text.match(new RegExp(`[${CJK}]{2,}`, 'g')) || [];
  if (!runs.length) continue;
  const run = runs[random(runs.length)];
  const len = 2 + random(4);
  if (run.length < len) continue;
  const at = random(run.length - len + 1);
  queries.push(run.slice(at, at + len));
}

let found = 0, wanted = 0, extra = 0;
const byLength = {};
for (const q of queries) {
  const e = engine();
  const t = performance.now();
  const r = await e.search({ q });
  await e.details(r.hits.slice(0, 10).map((h) => h.id));
  const ms = performance.now() - t;
  const want = new Set(corpus.filter((p, i) => texts[i].some((f) => f.includes(q))).map((p) => p.url));
  const got = new Set(r.hits.map((h) => urlOf[h.id]));
  for (const u of want) { wanted++; if (got.has(u)) found++; }
  for (const u of got) if (!want.has(u)) extra++;
  const b = byLength[q.length] || (byLength[q.length] = { n: 0, raw: [], gz: [], files: [], ms: [] });
  const sizes = [...e.fetched.values()];
  b.n++;
  b.raw.push(sizes.reduce((a, s) => a + s[0], 0));
  b.gz.push(sizes.reduce((a, s) => a + s[1], 0));
  b.files.push(sizes.length);
  b.ms.push(ms);
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const max = (a) => Math.max(...a);
console.log(`${queries.length} queries sampled from the pages: recall ${(found / wanted * 100).toFixed(3)}% ` +
  `(${found}/${wanted}), pages returned that lack the query: ${extra}`);
for (const [len, b] of Object.entries(byLength)) {
  console.log(`${len} characters (${b.n} queries): fetched median ${(median(b.raw) / 1024).toFixed(0)} KB ` +
    `(${(median(b.gz) / 1024).toFixed(0)} KB gzipped) in ${median(b.files)} files, max ${(max(b.raw) / 1024).toFixed(0)} KB; ` +
    `client time median ${median(b.ms).toFixed(1)} ms`);
}
for (const q of process.argv.slice(3).length ? process.argv.slice(3) : ['培训 计划', '2023 年度', '科研诚信', '继续教育', '教育培训', '国科办监〔2022〕83号', '83号']) {
  const e = engine();
  const r = await e.search({ q });
  await e.details(r.hits.slice(0, 10).map((h) => h.id));
  const sizes = [...e.fetched.values()];
  console.log(`${q}: ${r.total} results; fetched ${sizes.length} files, ` +
    `${(sizes.reduce((a, s) => a + s[0], 0) / 1024).toFixed(0)} KB (${(sizes.reduce((a, s) => a + s[1], 0) / 1024).toFixed(0)} KB gzipped)`);
}
