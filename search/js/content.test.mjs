// The client against the index of the project's own content/, as `gazette
// build` makes it: `cargo test -p gazette-site --test search_content` leaves it
// in <target>/search-fixtures/<this checkout>/content with the pages' text, so
// every answer is compared with brute force (oracle.mjs): every page returned
// holds the query, and no page holding it is missed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as oracle from './oracle.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const client = createRequire(import.meta.url)(path.join(repo, 'static/search.js'));
const target = process.env.CARGO_TARGET_DIR ? path.resolve(repo, process.env.CARGO_TARGET_DIR) : path.join(repo, 'target');
const fixture = path.join(target, 'search-fixtures', fs.realpathSync(repo).replace(/[^0-9A-Za-z]/g, '-'), 'content');
if (!fs.existsSync(path.join(fixture, 'index', 'meta.json'))) {
  throw new Error(`no index of the content in ${fixture}: run \`cargo test -p gazette-site --test search_content\` ` +
    'first, with the same CARGO_TARGET_DIR as this run');
}
const pages = JSON.parse(fs.readFileSync(path.join(fixture, 'corpus.json'), 'utf8'));

function engine() {
  return client.createSearch(async (p) => JSON.parse(await fs.promises.readFile(path.join(fixture, 'index', p), 'utf8')));
}

async function urls(e, q) {
  const r = await e.search({ q });
  return (await e.details(r.hits.map((h) => h.id))).map((d) => d.url).sort();
}

// Shapes of query that have gone wrong: a digit or letter next to Chinese, a
// doc number, a single character, punctuation inside, a header row's cells.
const SHAPES = ['第3', '第2批', '第1批', '第一批', '2022年', '2023年度', 'A类', 'a类', '83号', '国科办监〔2022〕83号',
  '国科办监[2022]83号', '国科办监（２０２２）８３号', '号材料', '序号', '材料名称', '科研诚信', '科研诚信伦理', '诚', '号',
  '（一）', '一、', '2022', 'ai', '科技伦理，', '附件1', '第二条', '第3条', '10日', '12月31日', '2022-12-31'];

test('queries of every shape return exactly the pages of the content that hold them', async () => {
  const doc_numbers = pages.map((p) => p.doc_number).filter(Boolean);
  const { misses, extras } = await oracle.differences(engine(), pages, [...SHAPES, ...doc_numbers]);
  assert.deepEqual(misses, []);
  assert.deepEqual(extras, []);
});

test('第3 finds no page, since no page of the content says 第3', async () => {
  assert.deepEqual(oracle.pagesContaining(pages, '第3'), []);
  assert.ok(pages.some((p) => oracle.holdsQuery(p, '第') && oracle.holdsQuery(p, '3')), 'a page has 第 and 3 apart');
  assert.deepEqual(await urls(engine(), '第3'), []);
});

test('substrings of the content find exactly the pages that hold them', async () => {
  const queries = oracle.substrings(pages, 13);
  assert.ok(queries.size > 3000, `only ${queries.size} queries`);
  const { misses, extras } = await oracle.differences(engine(), pages, queries);
  assert.deepEqual(misses.slice(0, 10), [], `${misses.length} pages holding the query were missed`);
  assert.deepEqual(extras.slice(0, 10), [], `${extras.length} pages returned do not hold the query`);
});

test('a query the content holds only as separate words suggests them', async () => {
  const e = engine();
  assert.equal((await e.search({ q: '科研诚信伦理' })).total, 0);
  const pieces = await e.suggest({ q: '科研诚信伦理' });
  assert.deepEqual(pieces, ['科研诚信', '伦理']);
  assert.ok((await e.search({ q: pieces.join(' ') })).total > 0);
});
