// Tests of static/search.js against an index the Rust crate really wrote:
// `cargo test -p gazette-search --test index` leaves it in
// <target>/search-fixtures/<this checkout's path> (CARGO_TARGET_DIR respected), with the pages it was
// built from, so every answer can be checked against brute-force search.
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
const fixture = path.join(target, 'search-fixtures', fs.realpathSync(repo).replace(/[^0-9A-Za-z]/g, '-'));
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

// Brute force, written apart from the client: see oracle.mjs.
const { fold } = oracle;
const pagesContaining = oracle.pagesContaining;
const CJK = '\\u3007\\u3040-\\u30ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uac00-\\ud7af\\uf900-\\ufaff';
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
  for (const pair of ['科研', '研诚', '诚信']) assert.ok(trap.body[0].includes(pair), pair);
  assert.ok(!trap.body[0].includes('科研诚信'));
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
  assert.deepEqual(sorted(serial), sorted(['/notices/guokebanjian-2022-83/', '/notices/docnum-trap/']));
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
  assert.deepEqual(await urls(engine(), { issuer: '河北省科学技术厅' }), ['/notices/jikepinghan-2023-16/'],
    'the case that province sent is not among its issued documents');
  const cases = await urls(engine(), { type: 'case' });
  assert.equal(cases.at(-1), '/cases/no-date/', 'an undated page comes last');
  assert.deepEqual(await urls(engine(), { q: '诚信', type: 'course', year: '2019' }), []);
});

test('a single character finds every page holding it', async () => {
  for (const q of ['诚', '号', '绩']) {
    assert.deepEqual(sorted(await urls(engine(), q)), sorted(pagesContaining(corpus, q)), q);
  }
});

// Every answer against brute force: no page missed, none returned that lacks
// the query (and each returned page holds its text literally, too).
async function checkExact(e, pages, queries) {
  const { misses, extras } = await oracle.differences(e, pages, queries);
  assert.deepEqual(misses.slice(0, 10), [], `${misses.length} pages containing the query were not found`);
  assert.deepEqual(extras.slice(0, 10), [], `${extras.length} pages not containing the query were returned`);
}

test('every substring of real text finds exactly the pages that contain it', async () => {
  const queries = oracle.substrings(corpus, 5);
  assert.ok(queries.size > 5000, `only ${queries.size} queries`);
  assert.ok([...queries].some((q) => /[0-9a-z]/.test(q) && new RegExp(`[${CJK}]`).test(q)), 'mixed queries too');
  await checkExact(engine(), corpus, queries);
});

test('long queries — a sentence, a pasted paragraph — find exactly the pages that contain them', async () => {
  const queries = new Set();
  for (const page of corpus) {
    for (const block of page.body) {
      const text = Array.from(block);
      for (const len of [12, 20, 40]) {
        for (let at = 0; at + len <= text.length; at += 17) queries.add(text.slice(at, at + len).join(''));
      }
    }
  }
  assert.ok(queries.size > 300, `only ${queries.size} queries`);
  await checkExact(engine(), corpus, queries);
});

test('a long query shown ten at a time checks only the candidates it shows, the rest on demand', async () => {
  // The first four-character phrase of the fixture that six pages hold.
  const phrases = [...oracle.substrings(corpus, 1, 4)].filter((t) => new RegExp(`^[${CJK}]{4}$`).test(t));
  const q = phrases.find((t) => pagesContaining(corpus, t).length >= 6);
  assert.ok(q, 'a phrase six pages hold');
  const want = pagesContaining(corpus, q);
  const e = engine();
  const first = await e.search({ q }, 1);
  assert.ok(first.hits.length >= 1 && first.hits.length <= 3, `${first.hits.length} hits`);
  assert.equal(first.complete, false);
  const checked = e.fetched.filter((f) => f.startsWith('d/'));
  assert.ok(checked.length <= 3, `checked ${checked.length} candidates for one result`);
  const shown = await e.details(first.hits.map((h) => h.id));
  for (const d of shown) assert.ok(want.includes(d.url), d.url);
  await e.more(first, Infinity);
  assert.equal(first.complete, true);
  const all = await e.details(first.hits.map((h) => h.id));
  assert.deepEqual(sorted(all.map((d) => d.url)), sorted(want));
  const whole = await engine().search({ q });
  assert.deepEqual(first.hits.map((h) => h.id), whole.hits.map((h) => h.id), 'the same order, checked in steps or at once');
});

test('a row holds a part only where it does not cut a word', () => {
  const check = (q) => client.queryTerms(q).checks[0];
  assert.equal(client.queryTerms('2023年').checks.length, 0, 'two units are one pair: nothing to check');
  assert.ok(client.holds('第2批ai 2023年度', check('2023年度')));
  assert.ok(!client.holds('第2批ai12023年度', check('2023年度')), '12023 is another word');
  assert.ok(client.holds('国科办监|2022|83号', check('国科办监〔2022〕83号')));
  assert.ok(!client.holds('国科办监|2022|183号', check('〔2022〕83号')), '183 is another word');
  assert.ok(!client.holds('x|2022|83号56', check('〔2022〕83号5')), 'nor 56');
  assert.ok(client.holds('x|2022|83号5', check('2022，83号5')));
  assert.ok(!client.holds('科研\n诚信建设', check('科研诚信')), 'rows are blocks');
});

test('a digit next to Chinese is found only where they touch: 第2批 is not 第一批…2批', async () => {
  assert.deepEqual(await urls(engine(), '第2批'), ['/notices/pilot-second/']);
  assert.deepEqual(sorted(await urls(engine(), '2批')), sorted(['/notices/pilot-first/', '/notices/pilot-second/']));
  assert.deepEqual(await urls(engine(), '第一批'), ['/notices/pilot-first/']);
  assert.deepEqual(await urls(engine(), '第1批'), ['/notices/pilot-second/']);
  assert.deepEqual(await urls(engine(), 'A类'), ['/notices/categories/']);
  assert.deepEqual(await urls(engine(), 'ａ类'), ['/notices/categories/']);
  const year = await urls(engine(), '2022年');
  for (const u of ['/notices/guokebanjian-2022-83/', '/notices/categories/', '/notices/categories-trap/',
    '/notices/docnum-trap/']) assert.ok(year.includes(u), u);
  assert.deepEqual(sorted(year), sorted(pagesContaining(corpus, '2022年')));
});

test('a doc number is found as typed, not as its parts scattered over a page', async () => {
  const found = await urls(engine(), '国科办监〔2022〕83号');
  assert.deepEqual(found, ['/notices/guokebanjian-2022-83/']);
  const trap = corpus.find((p) => p.url === '/notices/docnum-trap/');
  for (const part of ['国科办监', '2022', '83号']) assert.ok(oracle.holdsQuery(trap, part), part);
  assert.deepEqual(await urls(engine(), '国科办监〔2021〕83号'), ['/notices/docnum-trap/']);
  assert.deepEqual(await urls(engine(), '〔2021〕'), ['/notices/docnum-trap/']);
});

test('punctuation inside a query stands between its runs; a space ANDs them', async () => {
  assert.deepEqual(await urls(engine(), '第一批，试点'), ['/notices/pilot-first/']);
  assert.deepEqual(await urls(engine(), '第一批、试点'), ['/notices/pilot-first/'], 'any punctuation');
  assert.deepEqual(await urls(engine(), '第一批试点'), []);
  assert.deepEqual(await urls(engine(), '批，试'), ['/notices/pilot-first/']);
  assert.deepEqual(await urls(engine(), '申报书'), ['/notices/materials/']);
  assert.deepEqual(sorted(await urls(engine(), '第一批 试点')), ['/notices/pilot-first/']);
});

test('a query never spans two table cells or a heading and the paragraph after it', async () => {
  assert.deepEqual(await urls(engine(), '材料名称'), ['/notices/materials/']);
  assert.deepEqual(await urls(engine(), '号材料'), [], '序号 | 材料名称 are two cells');
  assert.deepEqual(await urls(engine(), '序号，材料'), [], 'not even across punctuation');
  assert.deepEqual(await urls(engine(), '须知知识'), [], 'a heading and the paragraph after it');
  assert.deepEqual(await urls(engine(), '须知 知识'), ['/notices/materials/']);
});

test('a query without results suggests its longest pieces that have results together', async () => {
  const e = engine();
  assert.equal((await e.search({ q: '科研诚信伦理' })).total, 0);
  assert.deepEqual(await e.suggest({ q: '科研诚信伦理' }), ['科研诚信', '伦理']);
  assert.deepEqual(await e.suggest({ q: '号材料' }), ['号', '材料']);
  assert.deepEqual(await e.suggest({ q: '科研诚信伦理', type: 'course' }), null, 'no course has both');
  assert.deepEqual(await e.suggest({ q: '第一批，试点单位确定' }), ['第一批', '试点单位', '确定']);
  assert.equal(await e.suggest({ q: '第一批，试点单位名单' }), null, '第一批 and 试点单位名单 are on two pages');
  assert.equal(await e.suggest({ q: '科研 诚信名单' }), null, 'no page has the pieces together');
  assert.equal(await e.suggest({ q: '科研诚信𪚥' }), null, 'a character no page has');
  assert.equal(await e.suggest({ q: '科研诚信伦理'.repeat(6) }), null, 'a pasted paragraph is not cut up');
});

test('a query fetches meta, one shard per term and the details of the results it shows', async () => {
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
  const r = await e.search({ q: '典型案例', type: 'case', issuer: '', year: '' });
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
