/* gazette site search (ES2017, no dependencies). Reads the static index that
 * the gazette-search crate writes — its crate docs describe the format — and
 * fetches only the files a query needs. Tokenising and hashing must match
 * search/src/text.rs exactly. Under Node the pure parts are exported for the
 * tests in search/js/; in a browser the script drives the /search/ page. */
(function () {
  'use strict';
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const VAL = new Int8Array(128);
  for (let i = 0; i < 64; i++) VAL[B64.charCodeAt(i)] = i;
  const PAGE = 20;
  const MAX_SUGGEST_UNITS = 32;

  // Full-width ASCII and the ideographic space folded, letters lowercased.
  const norm = (c) => {
    if (c >= 0xFF01 && c <= 0xFF5E) c -= 0xFEE0;
    else if (c === 0x3000) c = 32;
    return c >= 65 && c <= 90 ? c + 32 : c;
  };
  const isCjk = (c) => c === 0x3007 || (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x4DBF) ||
    (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) || (c >= 0xF900 && c <= 0xFAFF) ||
    (c >= 0x20000 && c <= 0x3134F);
  const isWord = (c) => (c >= 48 && c <= 57) || (c >= 97 && c <= 122);
  // FNV-1a over code points with a murmur3 finish, as text.rs hash_code_points.
  function hash(s) {
    let h = 0x811c9dc5;
    for (const ch of s) h = Math.imul(h ^ ch.codePointAt(0), 0x01000193);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  }
  const shardOf = (term, shards) => hash(term) % shards;

  const isSpace = (c) => c === 32 || (c >= 9 && c <= 13) || c === 0xA0 || c === 0x2028 || c === 0x2029;
  // Stands for the punctuation between two runs of a part in a pair's text.
  const SEP = '|';

  // A query → parts (whitespace apart; ANDed), each a list of runs (punctuation
  // apart; they must follow each other) of units (a CJK character or an
  // [0-9a-z] word), as text.rs reads a query.
  function tokenize(q) {
    const parts = [];
    let run = [], word = '', apart = true;
    const endWord = () => { if (word) run.push({ t: word, cjk: false }); word = ''; };
    const endRun = () => {
      endWord();
      if (run.length) { if (apart) parts.push([]); parts[parts.length - 1].push(run); apart = false; }
      run = [];
    };
    for (const ch of String(q || '')) {
      const c = norm(ch.codePointAt(0));
      if (isWord(c)) word += String.fromCharCode(c);
      else if (isCjk(c)) { endWord(); run.push({ t: String.fromCodePoint(c), cjk: true }); }
      else if (isSpace(c)) { endRun(); apart = true; }
      else endRun();
    }
    endRun();
    return parts;
  }

  // Terms to look up: a part of one unit is that unit (a character or a
  // word); a longer part is the chain of its pairs of neighbouring units, the
  // punctuation between runs counting as one unit SEP. A part of two units is
  // one pair, found exactly; the pages holding every pair of a longer part are
  // its candidates, and `checks` holds what to look for in their rows.
  function queryTerms(q) {
    const terms = new Map(), parts = tokenize(q), checks = [];
    for (const part of parts) {
      const units = [];
      part.forEach((run, i) => { if (i) units.push({ t: SEP }); units.push(...run); });
      if (units.length === 1) {
        if (!terms.has(units[0].t)) terms.set(units[0].t, { cls: units[0].cjk ? 'c' : 'w' });
        continue;
      }
      for (let i = 0; i + 1 < units.length; i++) {
        const term = units[i].t + units[i + 1].t;
        if (!terms.has(term)) terms.set(term, { cls: 'p' });
      }
      const word = (u) => u.t !== SEP && !u.cjk;
      if (units.length > 2) {
        checks.push({ text: units.map((u) => u.t).join(''), head: word(units[0]), tail: word(units[units.length - 1]) });
      }
    }
    const text = (run) => run.map((u) => u.t).join('');
    return { terms, checks, runs: [].concat(...parts.map((p) => p.map(text))), parts: parts.map((p) => p.map(text)) };
  }

  // Does a page's rows (one line per block: units as written, SEP between
  // joined runs, a space between two words) hold the part? Where it starts
  // or ends with a word, the row must not go on with letters or digits there.
  const wordAt = (s, i) => i >= 0 && i < s.length && isWord(s.charCodeAt(i));
  function holds(rows, check) {
    for (let at = rows.indexOf(check.text); at >= 0; at = rows.indexOf(check.text, at + 1)) {
      if (!(check.head && wordAt(rows, at - 1)) && !(check.tail && wordAt(rows, at + check.text.length))) return true;
    }
    return false;
  }

  function varint(s, st) {
    let v = 0, sh = 0, d;
    do { d = VAL[s.charCodeAt(st.p++)]; v |= (d & 31) << sh; sh += 5; } while (d & 32);
    return v;
  }

  // A posting list → ids (ascending), info (field/tf digit), df.
  function decode(s, cls) {
    const ids = [], info = [], st = { p: 0 };
    let id = -1;
    while (st.p < s.length) {
      id += varint(s, st);
      info.push(cls === 'f' ? 0 : VAL[s.charCodeAt(st.p++)]);
      ids.push(id);
    }
    return { ids, info, df: ids.length };
  }

  // Title 10, doc number 6, issuer 4, body 1–3.4 by bucketed count.
  const weight = (a) => (a & 1 ? 10 : 0) + (a & 2 ? 6 : 0) + (a & 4 ? 4 : 0) + (a >> 3 ? 0.6 + 0.4 * (a >> 3) : 0);

  // load(path) → Promise of the parsed JSON at path, relative to the index.
  function createSearch(load) {
    const cache = new Map();
    const get = (path) => {
      if (!cache.has(path)) cache.set(path, load(path).catch((e) => { cache.delete(path); throw e; }));
      return cache.get(path);
    };
    const meta = () => get('meta.json');
    const shard = (dir, term, m) => get(dir + '/' + shardOf(term, m.shards) + '.json');

    const doc = (id) => get('d/' + id + '.json');

    // The pages holding the query, best first: { hits, total, complete, runs }.
    // A query with a part of three or more units has candidates (pages holding
    // its pairs) that are checked against their rows, best first, until
    // `limit` hits are found (every candidate without a limit); `more` checks
    // on. Until every candidate is checked (`complete`), `total` counts the
    // hits found so far.
    async function search(o, limit) {
      const m = await meta(), parsed = queryTerms(o.q), lists = new Map();
      const wanted = Array.from(parsed.terms);
      for (const [prefix, value] of [['t:', o.type], ['y:', o.year], ['i:', o.issuer]]) {
        if (value) wanted.push([prefix + value, { cls: 'f' }]);
      }
      if (!wanted.length) return { total: 0, hits: [], runs: [], complete: true };
      const files = await Promise.all(wanted.map(([t]) => shard('s', t, m)));
      wanted.forEach(([t, e], i) => {
        const l = decode(files[i][t] || '', e.cls);
        l.idf = e.cls === 'f' ? 0 : Math.log(1 + m.docs / Math.max(1, l.df));
        lists.set(t, l);
      });
      // AND: walk each list against the hits so far, rarest list first.
      let hits = null;
      for (const l of Array.from(lists.values()).sort((a, b) => a.ids.length - b.ids.length)) {
        if (!hits) hits = l.ids.map((id) => ({ id, score: 0 }));
        const out = [];
        let j = 0;
        for (const h of hits) {
          while (j < l.ids.length && l.ids[j] < h.id) j++;
          if (l.ids[j] === h.id) { h.score += l.idf * weight(l.info[j]); out.push(h); }
        }
        hits = out;
      }
      // Ids are newest first, so equal scores fall back to recency.
      hits.sort((a, b) => b.score - a.score || a.id - b.id);
      if (!parsed.checks.length) return { total: hits.length, hits, runs: parsed.runs, complete: true };
      const result = { total: 0, hits: [], runs: parsed.runs, complete: false, candidates: hits, checked: 0, checks: parsed.checks };
      return more(result, limit === undefined ? Infinity : limit);
    }

    // Checks candidates of `result`, best first, until it has `count` hits or
    // none is left; a few more than missing at a time, fetched together.
    async function more(result, count) {
      const c = result.candidates || [];
      while (result.hits.length < count && result.checked < c.length) {
        const n = Math.min(c.length - result.checked, 64, count - result.hits.length + 2);
        const batch = c.slice(result.checked, result.checked + n);
        const rows = await Promise.all(batch.map((h) => doc(h.id)));
        batch.forEach((h, i) => {
          if (rows[i] && result.checks.every((check) => holds(rows[i][6], check))) result.hits.push(h);
        });
        result.checked += n;
      }
      result.complete = result.checked >= c.length;
      result.total = result.hits.length;
      return result;
    }

    // For a query without results: its runs cut into pieces that have
    // results, greedily from the left, longest first (科研诚信伦理 → 科研诚信,
    // 伦理), if those pieces ANDed have results; else null. A page holding a
    // string holds its every prefix, so the longest piece is found by binary
    // search, and the pieces' terms are among the query's: the probes fetch
    // the shards the query fetched, and the rows of a first candidate or so.
    async function suggest(o) {
      const parts = tokenize(o.q), pieces = [], runs = [].concat(...parts);
      // A pasted paragraph is no query to cut up: it would take hundreds of probes.
      if (runs.reduce((n, run) => n + run.length, 0) > MAX_SUGGEST_UNITS) return null;
      const found = async (units) =>
        (await search(Object.assign({}, o, { q: units.map((u) => u.t).join('') }), 1)).hits.length > 0;
      for (const run of runs) {
        for (let i = 0; i < run.length;) {
          let lo = i, hi = run.length;
          while (lo < hi) {
            const mid = (lo + hi + 1) >> 1;
            if (await found(run.slice(i, mid))) lo = mid; else hi = mid - 1;
          }
          if (lo === i) return null;  // a unit no page has
          pieces.push(run.slice(i, lo).map((u) => u.t).join(''));
          i = lo;
        }
      }
      if (pieces.length === parts.length) return null;  // the query itself
      return (await search(Object.assign({}, o, { q: pieces.join(' ') }), 1)).hits.length ? pieces : null;
    }

    // Ids → [{id, url, title, kind, date, number, snippet}], from the pages'
    // details files (already fetched for the candidates a query checked).
    async function details(ids) {
      const docs = await Promise.all(ids.map(doc));
      return ids.map((id, i) => {
        const d = docs[i];
        return d && { id, url: d[0], title: d[1], kind: d[2], date: d[3], number: d[4], snippet: d[5] };
      }).filter(Boolean);
    }
    return { meta, search, more, suggest, details };
  }

  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
  // Escaped text with each occurrence of a query run in <mark>.
  function highlight(text, runs) {
    text = String(text || '');
    let folded = '', out = '', pos = 0;
    for (let i = 0; i < text.length; i++) folded += String.fromCharCode(norm(text.charCodeAt(i)));
    const marks = [];
    for (const r of runs || []) {
      for (let at = r ? folded.indexOf(r) : -1; at >= 0; at = folded.indexOf(r, at + 1)) marks.push([at, at + r.length]);
    }
    marks.sort((a, b) => a[0] - b[0]);
    for (const [from, to] of marks) {
      if (to <= pos) continue;
      const start = Math.max(from, pos);
      out += esc(text.slice(pos, start)) + '<mark>' + esc(text.slice(start, to)) + '</mark>';
      pos = to;
    }
    return out + esc(text.slice(pos));
  }

  const api = { tokenize, queryTerms, holds, shardOf, hash, decode, createSearch, highlight, escape: esc };
  if (typeof module === 'object' && module.exports) module.exports = api;
  if (typeof document === 'undefined') return;

  const script = document.currentScript;
  function start() {
    const $ = (id) => document.getElementById(id);
    const form = $('search-form'), q = $('q'), status = $('search-status'), list = $('search-results');
    const selects = { type: $('search-type'), issuer: $('search-issuer'), year: $('search-year') };
    if (!form || !q || !list || !status) return;
    const base = (script && script.getAttribute('data-index')) || '/search/index/';
    let version = '';
    const engine = createSearch((path) => {
      const url = base + path + (path === 'meta.json' ? '' : '?v=' + version);
      // meta.json is revalidated so a rebuilt site is seen; the rest carry its version.
      return fetch(url, path === 'meta.json' ? { cache: 'no-cache' } : {}).then((r) => {
        if (!r.ok) throw new Error(url + ': ' + r.status);
        return r.json();
      });
    });
    const labels = {};
    if (selects.type) for (const o of selects.type.options) if (o.value) labels[o.value] = o.text;
    const more = document.createElement('button');
    more.type = 'button';
    more.className = 'search-more';
    more.hidden = true;
    more.textContent = '显示更多结果';
    list.after(more);
    const params = new URLSearchParams(location.search);
    let seq = 0, timer, result, shown = 0;
    q.value = params.get('q') || '';
    const fail = () => { status.textContent = '搜索暂时不可用，请稍后重试。'; };

    function values() {
      const v = { q: q.value.trim() };
      for (const k in selects) v[k] = selects[k] ? selects[k].value : '';
      return v;
    }
    function render(docs) {
      list.insertAdjacentHTML('beforeend', docs.map((d) => {
        const mark = (x) => highlight(x, result.runs);
        const url = /^(\/|https?:)/.test(d.url) ? d.url : '#';
        const info = [labels[d.kind] || d.kind, d.date, d.number].filter(Boolean).map(mark).join(' · ');
        return '<li><a href="' + esc(url) + '">' + mark(d.title) + '</a> <span>' + info + '</span><p>' +
          mark(d.snippet) + '</p></li>';
      }).join(''));
      shown += docs.length;
      more.hidden = shown >= result.hits.length && result.complete;
    }
    function count(r) {
      return r.complete ? '找到 ' + r.total + ' 条结果' : '找到 ' + r.total + ' 条以上结果';
    }
    async function run() {
      const v = values(), mine = ++seq, p = new URLSearchParams();
      for (const k in v) if (v[k]) p.set(k, v[k]);
      history.replaceState(null, '', location.pathname + (String(p) ? '?' + p : ''));
      try {
        const r = v.q || v.type || v.issuer || v.year ? await engine.search(v, PAGE) : null;
        const docs = r ? await engine.details(r.hits.slice(0, PAGE).map((h) => h.id)) : [];
        const pieces = r && !r.total && v.q ? await engine.suggest(v) : null;
        if (mine !== seq) return;  // a newer query is on its way
        result = r;
        shown = 0;
        list.innerHTML = '';
        more.hidden = true;
        status.textContent = !r ? '' : r.total ? count(r) :
          '没有找到' + (v.q ? '与“' + v.q + '”相关的' : '符合条件的') + '结果';
        if (pieces) {
          const link = new URLSearchParams(p);
          link.set('q', pieces.join(' '));
          status.innerHTML = esc(status.textContent) + '；分开搜索：<a href="?' + esc(String(link)) + '">' +
            esc(pieces.join(' ')) + '</a>';
        }
        if (r) render(docs);
      } catch (e) {
        if (mine === seq) fail();
      }
    }
    form.addEventListener('submit', (e) => { e.preventDefault(); clearTimeout(timer); run(); });
    q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(run, 250); });
    for (const k in selects) if (selects[k]) selects[k].addEventListener('change', run);
    more.addEventListener('click', () => {
      const mine = seq;
      engine.more(result, shown + PAGE)
        .then((r) => engine.details(r.hits.slice(shown, shown + PAGE).map((h) => h.id)))
        .then((docs) => { if (mine === seq) { status.textContent = count(result); render(docs); } }, fail);
    });
    engine.meta().then((m) => {
      version = m.v;
      for (const [key, items] of [['issuer', m.issuers], ['year', m.years]]) {
        if (selects[key]) for (const [name] of items) selects[key].add(new Option(String(name), String(name)));
      }
      for (const k in selects) if (selects[k]) selects[k].value = params.get(k) || '';
      run();
    }, fail);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
