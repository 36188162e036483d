'use strict';
// HTML `pattern` attributes as browsers read them: the value is compiled as
// `^(?:value)$` with the `v` flag (HTML Standard, "compiling a pattern attribute
// regular expression"); a value that does not compile is ignored, so the browser
// checks nothing. Node's RegExp is V8's, the engine of Chromium.

const fs = require('node:fs');
const path = require('node:path');

const REPO = path.resolve(__dirname, '..', '..');

/** The reason `pattern` does not compile in a browser, or null when it does. */
function browserPatternError(pattern) {
  try {
    new RegExp(`^(?:${pattern})$`, 'v');
    return null;
  } catch (e) {
    return e.message;
  }
}

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Character references in an attribute value → characters. */
function decodeAttribute(value) {
  return value.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, ref) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return String.fromCodePoint(code);
    }
    return ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

/** Every `pattern="…"` (or `'…'`) attribute of an HTML text, decoded. */
function patternAttributes(html) {
  const found = [];
  for (const m of html.matchAll(/\spattern\s*=\s*(?:"([^"]*)"|'([^']*)')/gi)) {
    found.push(decodeAttribute(m[1] ?? m[2]));
  }
  return found;
}

/** Every file under `dir` whose name ends with `ext`, skipping build output. */
function filesUnder(dir, ext) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!['node_modules', 'target', 'public', 'data'].includes(entry.name) && !entry.name.startsWith('target-')) {
        out.push(...filesUnder(full, ext));
      }
    } else if (entry.name.endsWith(ext)) {
      out.push(full);
    }
  }
  return out;
}

/** A TOML basic ("…") or literal ('…') string's value. */
function tomlString(raw) {
  if (raw.startsWith("'")) return raw.slice(1, -1);
  return raw.slice(1, -1).replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, e) => {
    if (e[0] === 'u' || e[0] === 'U') return String.fromCodePoint(parseInt(e.slice(1), 16));
    return { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '"': '"', '\\': '\\' }[e] ?? e;
  });
}

/** `pattern = "…"` lines of a form schema (content/forms/*.toml), with their line. */
function schemaPatterns(text) {
  const found = [];
  text.split('\n').forEach((line, index) => {
    const m = line.match(/^\s*pattern\s*=\s*("(?:[^"\\]|\\.)*"|'[^']*')/);
    if (m) found.push({ line: index + 1, pattern: tomlString(m[1]) });
  });
  return found;
}

module.exports = { REPO, browserPatternError, patternAttributes, filesUnder, schemaPatterns };
