// Tests of static/search.js against an index the Rust crate really wrote:
// `cargo test -p gazette-search --test index` leaves it in
// <target>/search-fixture (CARGO_TARGET_DIR respected), with the pages it was
// built from, so every answer can be checked against brute-force search.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const client = createRequire(import.meta.url)(path.join(repo, 'static/search.js'));
const target = process.env.CARGO_TARGET_DIR ? path.resolve(repo, process.env.CARGO_TARGET_DIR) : path.join(repo, 'target');
const fixture = path.join(target, 'search-fixture');
if (!fs.existsSync(path.join(fixture, 'index', 'meta.json'))) {
  throw new Error(`no search index fixture in ${fixture}: run \`cargo test -p gazette-search --test index\` ` +
    'first, with the same CARGO_TARGET_DIR as this run');
}
const readJson = (file) => JSON.parse(fs.readFileSync(path.join(fixture, file), 'utf8'));

function engine(dir = 'index') {
  const fetched = [];
  const search = client.createSearch(async (p) => {
    fetched.push(p);
    return JSON.parse(await fs.promises.readFile(path.join(fixture, dir, p), 'utf8'));
  });
  return { ...search, fetched };
}

async function urls(e, options) {
  const r = await e.search(typeof options === 'string' ? { q: options } : options);
  const docs = await e.details(r.hits.map((h) => h.id));
  return docs.map((d) => d.url);
}

// Brute force: which pages contain a CJK string, reading text as the index
// does (full-width folded, line breaks inside Chinese dropped, fields apart).
const CJK = '\\u3007\\u3040-\\u30ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uac00-\\ud7af\\uf900-\\ufaff';
const joinCjk = new RegExp(`([${CJK}])\\s+(?=[${CJK}])`, 'g');
function fold(s) {
  return String(s || '').replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .toLowerCase().replace(joinCjk, '$1');
}
const folded = new WeakMap();
function pagesContaining(corpus, q) {
  return corpus.filter((p) => {
    if (!folded.has(p)) folded.set(p, [p.title, p.doc_number, ...p.issuers, p.body].map(fold));
    return folded.get(p).some((f) => f.includes(q));
  }).map((p) => p.url);
}
const sorted = (a) => [...a].sort();

const corpus = readJson('corpus.json');

test('the client reads a query into the same terms and shards as the Rust side', () => {
  for (const { query, terms, shards_of_97: shards } of readJson('query-terms.json')) {
    const js = [...client.queryTerms(query).terms.keys()];
    assert.deepEqual(js, terms, query);
    assert.deepEqual(js.map((t) => client.shardOf(t, 97)), shards, query);
  }
});

test('a two-character word finds every page holding it, however a segmenter would split it', async () => {
  const found = await urls(engine(), '诚信');
  // 科研诚信, 诚信建设, 学术诚信, 诚信原则, and 诚\n信 across a line break.
  for (const url of ['/notices/guokebanjian-2022-83/', '/policies/kyc-guize/', '/courses/chengxin-jianshe/',
    '/cases/trap/', '/policies/line-break/', '/cases/no-date/']) {
    assert.ok(found.includes(url), url);
  }
  assert.deepEqual(sorted(found), sorted(pagesContaining(corpus, '诚信')));
});

test('a four-character word finds exactly the pages that contain it', async () => {
  const found = await urls(engine(), '科研诚信');
  assert.deepEqual(sorted(found), sorted(pagesContaining(corpus, '科研诚信')));
  assert.ok(found.includes('/policies/line-break/'), '科研诚\\n信 is one word to a reader');
});

test('a page holding every pair of the query but not the query is not returned', async () => {
  const trap = corpus.find((p) => p.url === '/cases/trap/');
  for (const pair of ['科研', '研诚', '诚信']) assert.ok(trap.body.includes(pair), pair);
  assert.ok(!trap.body.includes('科研诚信'));
  assert.ok(!(await urls(engine(), '科研诚信')).includes('/cases/trap/'));
});

test('a title hit ranks above a page that repeats the words in its body', async () => {
  const found = await urls(engine(), '绩效评价');
  assert.equal(found[0], '/notices/jixiao-title/');
  assert.ok(found.indexOf('/notices/jixiao-body/') > 0);
});

test('a doc number is found however its brackets are typed, and by its serial', async () => {
  for (const q of ['国科办监〔2022〕83号', '国科办监[2022]83号', '国科办监（２０２２）８３号', '国科办监(2022)83号']) {
    assert.equal((await urls(engine(), q))[0], '/notices/guokebanjian-2022-83/', q);
  }
  const serial = await urls(engine(), '83号');
  assert.equal(serial[0], '/notices/guokebanjian-2022-83/');
  assert.ok(!serial.includes('/notices/serial-183/'), '183号 is not 83号');
  assert.deepEqual(await urls(engine(), '183号'), ['/notices/serial-183/']);
});

test('a mixed query of a year and a word needs both', async () => {
  const found = await urls(engine(), '2023 绩效');
  assert.deepEqual(sorted(found), sorted(['/notices/jikepinghan-2023-16/', '/notices/jixiao-body/']));
  const adjacent = await urls(engine(), '2023年度');
  assert.ok(adjacent.includes('/notices/jikepinghan-2023-16/'));
  assert.ok(!adjacent.includes('/notices/jixiao-body/'), '2023年工作 is not 2023年度');
  assert.ok(adjacent.length > 1, 'the prose pages write 2023 年度 with a space, which a reader does not see');
});

test('full-width and upper-case letters match their plain forms', async () => {
  assert.deepEqual(await urls(engine(), 'ai伦理'), ['/policies/line-break/']);
  assert.deepEqual(await urls(engine(), 'ＡＩ伦理'), ['/policies/line-break/']);
});

test('filters by type, issuer and year narrow a query or stand alone, newest first', async () => {
  assert.deepEqual(await urls(engine(), { q: '诚信', type: 'notice' }), ['/notices/guokebanjian-2022-83/']);
  assert.deepEqual(await urls(engine(), { q: '绩效', year: '2023' }), ['/notices/jikepinghan-2023-16/']);
  assert.deepEqual(await urls(engine(), { issuer: '河北省科学技术厅' }), ['/notices/jikepinghan-2023-16/', '/cases/trap/']);
  const cases = await urls(engine(), { type: 'case', issuer: '中国科协' });
  assert.equal(cases.at(-1), '/cases/no-date/', 'an undated page comes last');
  assert.deepEqual(await urls(engine(), { q: '诚信', type: 'course', year: '2019' }), []);
});

test('a single character finds every page holding it', async () => {
  for (const q of ['诚', '号', '绩']) {
    assert.deepEqual(sorted(await urls(engine(), q)), sorted(pagesContaining(corpus, q)), q);
  }
});

test('every substring of real text finds exactly the pages that contain it', async () => {
  const e = engine();
  const queries = new Set();
  for (const page of corpus) {
    const runs = fold(page.title + '\n' + page.body).match(new RegExp(`[${CJK}]+`, 'g')) || [];
    for (const run of runs) {
      for (let len = 2; len <= 6; len++) {
        for (let at = 0; at + len <= run.length; at += 5) queries.add(run.slice(at, at + len));
      }
    }
  }
  const meta = readJson('index/meta.json');
  const urlOf = (await e.details([...Array(meta.ids).keys()])).map((d) => d.url);
  let misses = 0, extras = 0;
  for (const q of queries) {
    const want = new Set(pagesContaining(corpus, q));
    const got = new Set((await e.search({ q })).hits.map((h) => urlOf[h.id]));
    for (const u of want) if (!got.has(u)) misses++;
    for (const u of got) if (!want.has(u)) extras++;
  }
  assert.ok(queries.size > 3000, `only ${queries.size} queries`);
  assert.equal(misses, 0, 'a page containing the query was not found');
  assert.equal(extras, 0, 'a page not containing the query was returned');
});

test('a query fetches meta, one shard per term and the chunks of the results it shows', async () => {
  const e = engine();
  const meta = readJson('index/meta.json');
  const r = await e.search({ q: '科研 诚信' });
  const shards = new Set(['科研', '诚信'].map((t) => `s/${client.shardOf(t, meta.shards)}.json`));
  assert.deepEqual(sorted(e.fetched), sorted(['meta.json', ...shards]));
  await e.details(r.hits.slice(0, 2).map((h) => h.id));
  assert.ok(e.fetched.length <= 1 + shards.size + 2);
  const before = e.fetched.length;
  await e.search({ q: '科研 诚信' });
  assert.equal(e.fetched.length, before, 'fetched files are cached');
});

test('an empty query with no filter fetches nothing but meta and finds nothing', async () => {
  const e = engine();
  const r = await e.search({ q: ' 。，' });
  assert.equal(r.total, 0);
  assert.ok(e.fetched.every((f) => f === 'meta.json'));
});

test('titles are escaped and hits marked', async () => {
  const e = engine();
  const r = await e.search({ q: '典型案例', type: 'case', issuer: '中国科协', year: '' });
  const [doc] = (await e.details(r.hits.map((h) => h.id))).filter((d) => d.url === '/cases/no-date/');
  const html = client.highlight(doc.title, r.runs);
  assert.equal(html, '<mark>典型案例</mark>：&#60;script&#62;alert(1)&#60;/script&#62; &#38; &#34;引号&#34;');
  assert.equal(client.highlight('国科办监〔2022〕83号', client.queryTerms('国科办监[2022]83号').runs),
    '<mark>国科办监</mark>〔<mark>2022</mark>〕<mark>83号</mark>');
  assert.equal(client.highlight('ＡＩ伦理', ['ai伦理']), '<mark>ＡＩ伦理</mark>');
});

test('after upsert and remove the written index answers for the new pages only', async () => {
  const updated = readJson('updated-corpus.json');
  const e = engine('updated');
  for (const q of ['绩效', '经费', '钻研', '指南', '科研诚信', '诚信']) {
    assert.deepEqual(sorted(await urls(e, q)), sorted(pagesContaining(updated, q)), q);
  }
  assert.deepEqual(await urls(e, '国科金发〔2025〕1号'), ['/notices/new-page/']);
  const filtered = await urls(e, { q: '方案', issuer: '科技部办公厅' });
  assert.deepEqual(sorted(filtered),
    sorted(pagesContaining(updated, '方案').filter((u) => updated.find((p) => p.url === u).issuers.includes('科技部办公厅'))));
  assert.ok(filtered.includes('/notices/jixiao-title/'));
});
