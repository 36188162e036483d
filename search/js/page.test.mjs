// The browser half of static/search.js, run in a small fake of the /search/
// page (the ids and markup the template has) against the Rust-written fixture:
// reading the URL, filling the filters, rendering escaped results, live updates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const target = process.env.CARGO_TARGET_DIR ? path.resolve(repo, process.env.CARGO_TARGET_DIR) : path.join(repo, 'target');
const index = path.join(target, 'search-fixtures', fs.realpathSync(repo).replace(/[^0-9A-Za-z]/g, '-'), 'index');
if (!fs.existsSync(path.join(index, 'meta.json'))) {
  throw new Error(`no search index fixture in ${index}: run \`cargo test -p gazette-search --test index\` first`);
}
const code = fs.readFileSync(path.join(repo, 'static/search.js'), 'utf8');

class Element {
  constructor(id) { this.id = id; this.listeners = {}; this.innerHTML = ''; this.textContent = ''; this.hidden = false; }
  addEventListener(type, f) { (this.listeners[type] ||= []).push(f); }
  fire(type) { for (const f of this.listeners[type] || []) f({ type, preventDefault() {} }); }
  insertAdjacentHTML(where, html) { this.innerHTML += html; }
  after(el) { this.next = el; }
}
class Select extends Element {
  constructor(id, options) { super(id); this.options = options.map(([value, text]) => ({ value, text })); this.selected = ''; }
  add(option) { this.options.push(option); }
  get value() { return this.selected; }
  set value(v) { this.selected = this.options.some((o) => o.value === v) ? v : ''; }
}

function page(search) {
  const els = {
    'search-form': new Element('search-form'),
    q: new Element('q'),
    'search-type': new Select('search-type', [['', '全部类型'], ['notice', '通知公告'], ['course', '课程'],
      ['policy', '政策文件'], ['case', '典型案例']]),
    'search-issuer': new Select('search-issuer', [['', '全部发文单位']]),
    'search-year': new Select('search-year', [['', '全部年份']]),
    'search-status': new Element('search-status'),
    'search-results': new Element('search-results'),
  };
  els.q.value = '';
  const fetched = [];
  const location = { pathname: '/search/', search };
  const window = {
    document: {
      readyState: 'complete',
      currentScript: { getAttribute: (name) => (name === 'data-index' ? '/search/index/' : null) },
      getElementById: (id) => els[id] || null,
      createElement: () => new Element('button'),
    },
    location,
    history: { replaceState: (s, t, url) => { location.url = url; } },
    URLSearchParams,
    Option: function (text, value) { this.text = text; this.value = value; },
    fetch: async (url) => {
      fetched.push(url);
      const file = url.replace('/search/index/', '').replace(/\?.*$/, '');
      const body = fs.readFileSync(path.join(index, file), 'utf8');
      return { ok: true, status: 200, json: async () => JSON.parse(body) };
    },
    setTimeout, clearTimeout, console, Promise, Map, Set, Int8Array, Math, String, Array, JSON, Error, Object,
  };
  vm.runInNewContext(code, window);
  return { els, location, fetched };
}

const settle = (ms = 50) => new Promise((r) => setTimeout(r, ms));

test('a shared link runs its query, fills the filters and renders escaped, marked results', async () => {
  const { els, location } = page('?q=%E8%AF%9A%E4%BF%A1&type=notice');
  await settle();
  assert.equal(els.q.value, '诚信');
  assert.equal(els['search-type'].value, 'notice');
  assert.ok(els['search-issuer'].options.some((o) => o.value === '科技部办公厅'));
  assert.ok(els['search-year'].options.some((o) => o.value === '2022'));
  assert.equal(els['search-status'].textContent, '找到 1 条结果');
  const html = els['search-results'].innerHTML;
  assert.match(html, /^<li><a href="\/notices\/guokebanjian-2022-83\/">关于举办/);
  assert.match(html, /<span>通知公告 · 2022-06-20 · 国科办监〔2022〕83号<\/span>/);
  assert.match(html, /<mark>诚信<\/mark>/);
  assert.equal(location.url, '/search/?q=%E8%AF%9A%E4%BF%A1&type=notice');
});

test('typing updates the results and the address without a reload', async () => {
  const { els, location } = page('');
  await settle();
  assert.equal(els['search-status'].textContent, '');
  els.q.value = '典型案例';
  els.q.fire('input');
  await settle(400);
  assert.match(els['search-status'].textContent, /^找到 \d+ 条结果$/);
  assert.ok(els['search-results'].innerHTML.includes('&#60;script&#62;'), 'a title is data, not markup');
  assert.ok(!els['search-results'].innerHTML.includes('<script>'));
  assert.equal(location.url, '/search/?q=%E5%85%B8%E5%9E%8B%E6%A1%88%E4%BE%8B');
  els.q.value = '没有这个词语';
  els['search-form'].fire('submit');
  await settle();
  assert.equal(els['search-status'].textContent, '没有找到与“没有这个词语”相关的结果');
  assert.equal(els['search-results'].innerHTML, '');
});

test('a query without results links to its pieces searched together', async () => {
  const { els } = page('?q=' + encodeURIComponent('科研诚信伦理') + '&type=notice');
  await settle(200);
  assert.equal(els['search-status'].innerHTML, '没有找到与“科研诚信伦理”相关的结果；分开搜索：' +
    '<a href="?q=%E7%A7%91%E7%A0%94%E8%AF%9A%E4%BF%A1+%E4%BC%A6%E7%90%86&amp;type=notice">科研诚信 伦理</a>'
      .replace('&amp;', '&#38;'));
  assert.equal(els['search-results'].innerHTML, '');
});

test('a filter alone lists its pages, twenty at a time', async () => {
  const { els } = page('?issuer=%E4%B8%AD%E5%9B%BD%E7%A7%91%E5%8D%8F');
  await settle();
  const total = Number(els['search-status'].textContent.match(/\d+/)[0]);
  assert.ok(total > 20);
  const count = () => (els['search-results'].innerHTML.match(/<li>/g) || []).length;
  assert.equal(count(), 20);
  const more = els['search-results'].next;
  assert.equal(more.hidden, false);
  more.fire('click');
  await settle();
  assert.equal(count(), Math.min(40, total));
});

test('fetched files carry the index version so a rebuilt site is not mixed with a cached one', async () => {
  const { fetched } = page('?q=%E7%BB%A9%E6%95%88');
  await settle();
  const version = JSON.parse(fs.readFileSync(path.join(index, 'meta.json'), 'utf8')).v;
  assert.equal(fetched[0], '/search/index/meta.json');
  assert.ok(fetched.slice(1).every((u) => u.endsWith('?v=' + version)), fetched.join(' '));
});
