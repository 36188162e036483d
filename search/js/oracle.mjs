// Brute-force search, written apart from static/search.js to check it: the
// README's reading of text, applied to every page. A page is its blocks (title,
// doc number, each issuer, the provider, each block of the body); a block is a
// row of units — a CJK character, or a word of [0-9a-z] — and of separators
// ('|', one for any punctuation between two runs). Full-width forms fold to
// ASCII, letters to lower case; in a page whitespace separates words but joins
// everything else, in a query it separates the parts, which are ANDed. A part
// is found where its row of units and separators stands in one block.

const CJK = /[\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\u{20000}-\u{3134f}]/u;
const SPACE = /[ \t\n\r\v\f\u00a0\u2028\u2029]/;

export function fold(s) {
  return Array.from(String(s || ''), (ch) => {
    const c = ch.codePointAt(0);
    if (c >= 0xff01 && c <= 0xff5e) return String.fromCharCode(c - 0xfee0).toLowerCase();
    if (c === 0x3000) return ' ';
    return /[A-Z]/.test(ch) ? ch.toLowerCase() : ch;
  }).join('');
}

// Text → rows: one row for a page's block, one per part of a query.
export function rows(text, query) {
  const out = [[]];
  let word = '';
  const row = () => out[out.length - 1];
  const endWord = () => { if (word) row().push(word); word = ''; };
  for (const ch of fold(text)) {
    if (/[0-9a-z]/.test(ch)) word += ch;
    else if (CJK.test(ch)) { endWord(); row().push(ch); }
    else if (SPACE.test(ch)) { endWord(); if (query && row().length) out.push([]); }
    else { endWord(); if (row().length && row()[row().length - 1] !== '|') row().push('|'); }
  }
  endWord();
  return out.map((r) => (r[r.length - 1] === '|' ? r.slice(0, -1) : r)).filter((r) => r.length);
}

const blocksOf = (p) => [p.title, p.doc_number, ...(p.issuers || []), p.provider,
  ...(Array.isArray(p.body) ? p.body : [p.body])].filter((b) => b);

// A row as text, each element between two \u0001, so that finding a part is
// finding a string.
const line = (row) => '\u0001' + row.join('\u0001') + '\u0001';

const cache = new WeakMap();
// Does the page hold the query, as the README defines it?
export const holdsQuery = (page, query) => holdsParts(page, rows(query, true).map(line));

function holdsParts(page, parts) {
  if (!cache.has(page)) cache.set(page, [].concat(...blocksOf(page).map((b) => rows(b, false))).map(line));
  return parts.length > 0 && parts.every((part) => cache.get(page).some((row) => row.includes(part)));
}

export function pagesContaining(corpus, q) {
  const parts = rows(q, true).map(line);
  return corpus.filter((p) => holdsParts(p, parts)).map((p) => p.url);
}

// The literal check: a block of the page, with whitespace dropped between
// characters that are not both ASCII letters or digits, contains the text.
export function containsText(page, text) {
  const squeeze = (s) => fold(s).replace(/\s+/g, ' ').replace(/ (?![0-9a-z])|(?<![0-9a-z]) /g, '');
  const t = squeeze(text);
  return blocksOf(page).some((b) => squeeze(b).includes(t));
}

// Runs every query through a search engine (createSearch of static/search.js)
// and lists, as `query @ url`, the pages it missed and the pages it returned
// that do not hold the query — by the rows above, and literally: each part
// without punctuation must be in a block's text.
export async function differences(engine, pages, queries) {
  const meta = await engine.meta();
  const urlOf = (await engine.details([...Array(meta.ids).keys()])).map((d) => d.url);
  const byUrl = new Map(pages.map((p) => [p.url, p]));
  const misses = [], extras = [];
  for (const q of queries) {
    const want = new Set(pagesContaining(pages, q));
    const got = new Set((await engine.search({ q })).hits.map((h) => urlOf[h.id]));
    for (const u of want) if (!got.has(u)) misses.push(`${q} @ ${u}`);
    for (const u of got) {
      const literal = rows(q, true).every((part) => part.includes('|') || containsText(byUrl.get(u), part.join('')));
      if (!want.has(u) || !literal) extras.push(`${q} @ ${u}`);
    }
  }
  return { misses, extras };
}

// Substrings of every block of the pages, whatever they hold: Chinese,
// digits, Latin, punctuation, a word cut in two; one every `step` characters.
export function substrings(pages, step, longest = 8) {
  const queries = new Set();
  for (const page of pages) {
    for (const block of [page.title, page.doc_number, ...page.body].filter(Boolean)) {
      const text = Array.from(fold(block).replace(/\s+/g, ''));
      for (let len = 1; len <= longest; len++) {
        for (let at = len % step; at + len <= text.length; at += step) queries.add(text.slice(at, at + len).join(''));
      }
    }
  }
  return queries;
}
