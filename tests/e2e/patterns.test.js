'use strict';
// Every `pattern` the system can put on a page compiles as a browser regular
// expression (`v` flag): the literal ones in every template, and every schema's
// in content/forms/. A pattern that does not compile is silently ignored by the
// browser, which then checks nothing (issue 15, point 9). The patterns of the
// pages as served are checked in pages-html.test.js. No server, no browser.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { describe, it } = require('node:test');

const { REPO, browserPatternError, patternAttributes, filesUnder, schemaPatterns } = require('./patterns');

describe('pattern attributes', () => {
  it('are told apart: the two that browsers ignored do not compile', () => {
    // The examples of the issue, as the sign-in and reports pages had them.
    assert.match(browserPatternError('[A-Za-z0-9._-]+'), /Invalid/);
    assert.match(browserPatternError('[A-Za-z0-9-]+'), /Invalid/);
    // Another member of the kind: a bracket unescaped inside a class.
    assert.match(browserPatternError('[(]'), /Invalid/);
    assert.equal(browserPatternError('[a-z0-9_\\-]+'), null);
    assert.deepEqual(patternAttributes('<input pattern="10[.][0-9]{4,9}&#x2F;.+"><input pattern=\'a|b\'>'), [
      '10[.][0-9]{4,9}/.+',
      'a|b',
    ]);
  });

  it('written into any template compile in a browser', () => {
    const templates = [
      ...filesUnder(path.join(REPO, 'templates'), '.html'),
      ...filesUnder(path.join(REPO, 'functions'), '.html'),
      ...filesUnder(path.join(REPO, 'forms'), '.html'),
    ];
    assert.ok(templates.length > 20, `templates found: ${templates.length}`);
    const broken = [];
    let literal = 0;
    for (const file of templates) {
      for (const pattern of patternAttributes(fs.readFileSync(file, 'utf8'))) {
        // `{{ … }}` is filled in when the page is drawn: checked on the served pages.
        if (pattern.includes('{{')) continue;
        literal += 1;
        const error = browserPatternError(pattern);
        if (error) broken.push(`${path.relative(REPO, file)}: pattern="${pattern}": ${error}`);
      }
    }
    assert.deepEqual(broken, []);
    assert.equal(literal, 0, 'templates take patterns from the schemas or from slug_pattern, none of their own');
  });

  it('of every form schema compile in a browser', () => {
    const dir = path.join(REPO, 'content', 'forms');
    const broken = [];
    let count = 0;
    for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.toml'))) {
      for (const { line, pattern } of schemaPatterns(fs.readFileSync(path.join(dir, name), 'utf8'))) {
        count += 1;
        const error = browserPatternError(pattern);
        if (error) broken.push(`content/forms/${name}:${line}: pattern "${pattern}": ${error}`);
      }
    }
    assert.ok(count >= 5, `patterns found: ${count}`);
    assert.deepEqual(broken, []);
  });
});
