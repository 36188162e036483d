'use strict';
// Notices and policies print as official documents are printed (GB/T 9704-2012):
// each is printed to PDF by Chromium (A4 from the stylesheet's @page) and the PDF
// is read back with poppler's pdftotext: page count, page numbers, where the
// title, the text and the signature sit. Which faces are used comes from the
// browser (DevTools' platform fonts of a node, under print media). The
// first pages are also rendered to tests/screenshots/print-<name>-<n>.png to
// look at.

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { describe, it, before, after } = require('node:test');
const { startGazette, launchBrowser, SCREENSHOTS } = require('./harness');

const PT_PER_MM = 72 / 25.4;
// A4 and the type area of GB/T 9704: 156 × 225 mm, 37 mm from the top and 28 mm
// from the left edge.
const PAGE = { width: 210 * PT_PER_MM, height: 297 * PT_PER_MM };
const AREA = { left: 28 * PT_PER_MM, right: (28 + 156) * PT_PER_MM, top: 37 * PT_PER_MM, bottom: (37 + 225) * PT_PER_MM };

const NOTICE = '/notices/guokebanjian-2022-83/';
const POLICY = '/policies/kexiefazuzi-2020-17/';

function hasPoppler() {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const decode = (s) => s.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'");

/** Every line of every page of the PDF, with its box in points:
 * [{ page, text, xMin, yMin, xMax, yMax }] (pdftotext -bbox-layout). */
function lines(pdf) {
  const xml = execFileSync('pdftotext', ['-bbox-layout', pdf, '-'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const found = [];
  let page = 0;
  const re = /<page [^>]*>|<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([\s\S]*?)<\/line>/g;
  for (const m of xml.matchAll(re)) {
    if (m[0].startsWith('<page')) {
      page += 1;
      continue;
    }
    const text = decode([...m[5].matchAll(/<word[^>]*>([\s\S]*?)<\/word>/g)].map((w) => w[1]).join(''));
    found.push({ page, text, xMin: +m[1], yMin: +m[2], xMax: +m[3], yMax: +m[4] });
  }
  return { lines: found, pages: page };
}

describe('printing notices and policies', { timeout: 180_000 }, () => {
  let gazette, browser, context, tmp;

  before(async () => {
    assert.ok(hasPoppler(), 'pdftotext is missing: run scripts/setup (Debian package poppler-utils)');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gazette-print-'));
    gazette = await startGazette({ today: '2026-11-29' });
    browser = await launchBrowser();
    context = await browser.newContext();
    context.setDefaultTimeout(30_000);
  });

  after(async () => {
    if (browser) await browser.close();
    if (gazette) await gazette.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  // Prints `url` to PDF as a reader's browser would (the page's own @page size
  // and margins); writes PNGs of the first `shots` pages; returns the PDF's path,
  // its lines and its page count.
  async function print(url, name, shots = 2) {
    const page = await context.newPage();
    await page.goto(gazette.url + url);
    await page.evaluate(() => document.fonts.ready.then(() => true));
    const pdf = path.join(tmp, `${name}.pdf`);
    await page.pdf({ path: pdf, preferCSSPageSize: true, printBackground: true });
    await page.close();
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', String(shots), pdf, path.join(SCREENSHOTS, `print-${name}`)]);
    return { pdf, ...lines(pdf) };
  }

  // The page's layout under print media, read from the DOM.
  async function printLayout(url) {
    const page = await context.newPage();
    await page.emulateMedia({ media: 'print' });
    await page.goto(gazette.url + url);
    const layout = await page.evaluate(() => {
      const shown = (sel) => [...document.querySelectorAll(sel)].some((el) => getComputedStyle(el).display !== 'none');
      const style = (sel) => {
        const el = document.querySelector(sel);
        return el ? getComputedStyle(el) : null;
      };
      const h1 = style('h1');
      const p = style('.document-body p:not([class])');
      const link = style('.document-body a, .attachments a');
      return {
        hidden: Object.fromEntries(
          ['.site-header', '.site-footer', '.breadcrumb', '.outline', '.meta', '.call-to-action', '.contacts', '.skip-link'].map((s) => [s, !shown(s)]),
        ),
        masthead: shown('.masthead') ? { text: document.querySelector('.masthead').innerText, color: style('.masthead').color, align: style('.masthead').justifyContent } : null,
        h1: { align: h1.textAlign, size: h1.fontSize, family: h1.fontFamily },
        p: { size: p.fontSize, family: p.fontFamily, indent: p.textIndent, lineHeight: p.lineHeight },
        link: link && { color: link.color, decoration: link.textDecorationLine },
      };
    });
    // The faces the browser really draws with (the fonts installed decide which
    // entry of the font stack that is).
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument');
    layout.faces = {};
    for (const [name, selector] of Object.entries({ text: '.document-body p:not([class])', title: 'h1', heading: '.document-body h2' })) {
      const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector });
      if (!nodeId) continue;
      const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
      layout.faces[name] = fonts.map((f) => f.familyName);
    }
    await cdp.detach();
    await page.close();
    return layout;
  }

  function assertDocumentLayout(layout, label) {
    for (const [sel, hidden] of Object.entries(layout.hidden)) assert.ok(hidden, `${label}: ${sel} is not printed`);
    assert.equal(layout.h1.align, 'center', `${label}: the title is centred`);
    const pt = (px) => (parseFloat(px) * 3) / 4;
    assert.ok(Math.abs(pt(layout.h1.size) - 22) < 0.1, `${label}: the title is 22pt (2号), not ${layout.h1.size}`);
    assert.match(layout.h1.family, /^"?FZXiaoBiaoSong-B05S/, `${label}: the title is set in 小标宋`);
    assert.ok(Math.abs(pt(layout.p.size) - 16) < 0.1, `${label}: the text is 16pt (3号), not ${layout.p.size}`);
    assert.match(layout.p.family, /^FangSong, 仿宋/, `${label}: the text is set in 仿宋`);
    assert.match(layout.p.family, /"Noto Serif CJK SC"/, `${label}: … with a Song face to fall back on`);
    assert.doesNotMatch(layout.p.family, /sans-serif|Noto Sans/, `${label}: … never a sans-serif`);
    assert.ok(Math.abs(pt(layout.p.indent) - 32) < 0.1, `${label}: paragraphs are indented two characters, not ${layout.p.indent}`);
    assert.ok(layout.faces.text.length && layout.faces.text.every((f) => /Serif|Song|FangSong|仿宋|宋/.test(f)), `${label}: the text is drawn in a Song face (${layout.faces.text})`);
    if (layout.link) {
      assert.equal(layout.link.color, 'rgb(0, 0, 0)', `${label}: links print black`);
      assert.equal(layout.link.decoration, 'none', `${label}: links print without underline`);
    }
  }

  function assertOnTypeArea(doc, label) {
    // Every line of text (page numbers aside) sits inside the type area. A line's
    // box is the glyphs' (taller than the text), so its middle is what must be in.
    const text = doc.lines.filter((l) => !/^—\d+—$/.test(l.text.replace(/\s/g, '')));
    const middle = (l) => (l.yMin + l.yMax) / 2;
    const outside = text.filter((l) => l.xMin < AREA.left - 2 || l.xMax > AREA.right + 2 || middle(l) < AREA.top || middle(l) > AREA.bottom);
    assert.deepEqual(outside.map((l) => `p${l.page} ${l.text.slice(0, 20)} (${l.xMin.toFixed(0)}, ${l.yMin.toFixed(0)})–(${l.xMax.toFixed(0)}, ${l.yMax.toFixed(0)})`), [], `${label}: text outside the type area`);
    // The text reaches both edges of the type area: the margins are the standard's.
    const page2 = text.filter((l) => l.page === 2);
    const left = Math.min(...page2.map((l) => l.xMin));
    const right = Math.max(...page2.map((l) => l.xMax));
    const top = Math.min(...page2.map(middle)) - 28.95 / 2;
    assert.ok(Math.abs(left - AREA.left) < 4, `${label}: text starts 28 mm from the left edge (at ${(left / PT_PER_MM).toFixed(1)} mm)`);
    assert.ok(AREA.right - right < 20, `${label}: justified text reaches the right of the type area (at ${(right / PT_PER_MM).toFixed(1)} mm)`);
    assert.ok(Math.abs(top - AREA.top) < 3, `${label}: the first line starts 37 mm from the top (at ${(top / PT_PER_MM).toFixed(1)} mm)`);
    // 22 lines to a page (GB/T 9704: 22 lines of 28 characters).
    const perPage = (n) => text.filter((l) => l.page === n).length;
    assert.ok(perPage(2) >= 21 && perPage(2) <= 23, `${label}: page 2 holds 22 lines (${perPage(2)})`);
    // Page numbers "— n —" on every page, below the type area, odd ones at the right.
    for (let n = 1; n <= doc.pages; n++) {
      const number = doc.lines.find((l) => l.page === n && l.text.replace(/\s/g, '') === `—${n}—`);
      assert.ok(number, `${label}: page ${n} is numbered — ${n} —`);
      assert.ok(number.yMin > AREA.bottom, `${label}: page ${n}'s number is below the type area`);
      if (n % 2 === 1) assert.ok(number.xMax > AREA.right - 30 && number.xMax < AREA.right, `${label}: page ${n}'s number is at the right`);
      else assert.ok(number.xMin < AREA.left + 30 && number.xMin > AREA.left, `${label}: page ${n}'s number is at the left`);
    }
  }

  const middleOf = (l) => (l.yMin + l.yMax) / 2;
  const centred = (line) => Math.abs((line.xMin + line.xMax) / 2 - (AREA.left + AREA.right) / 2) < 6;

  it('the joint notice 国科办监〔2022〕83号 prints with its red masthead, document number, centred title and signature', async () => {
    const layout = await printLayout(NOTICE);
    assertDocumentLayout(layout, 'notice');
    assert.ok(layout.masthead, 'the masthead (发文机关标志) is printed');
    assert.equal(layout.masthead.color, 'rgb(230, 0, 18)', 'the masthead is red');
    for (const organ of ['科技部办公厅', '教育部办公厅', '卫生健康委办公厅', '中科院办公厅', '文件']) assert.ok(layout.masthead.text.includes(organ), `the masthead names ${organ}`);

    const doc = await print(NOTICE, 'notice');
    assert.ok(doc.pages >= 3 && doc.pages <= 5, `the notice prints on 3–5 A4 pages (got ${doc.pages})`);
    assertOnTypeArea(doc, 'notice');
    const first = doc.lines.filter((l) => l.page === 1);
    const number = first.find((l) => l.text.includes('国科办监〔2022〕83号'));
    const title = first.find((l) => l.text.includes('关于举办'));
    assert.ok(number && centred(number), 'the document number is centred on page 1');
    assert.ok(title && centred(title), 'the title is centred on page 1');
    assert.ok(number.yMin > AREA.top + 35 * PT_PER_MM, 'the document number is below the masthead');
    assert.ok(middleOf(title) > middleOf(number) + 28, 'the title is below the document number');
    const addressee = doc.lines.find((l) => l.text.startsWith('各有关单位：'));
    assert.ok(addressee && Math.abs(addressee.xMin - AREA.left) < 3, 'the addressee starts at the left edge of the type area');
    // The signature: every issuer, then the date written, at the right.
    const date = doc.lines.find((l) => l.text.replace(/\s/g, '') === '2022年6月20日');
    assert.ok(date, 'the date written is printed on a line of its own');
    assert.ok(Math.abs(AREA.right - date.xMax - 2 * 16) < 6, `the date is two characters from the right (${(AREA.right - date.xMax).toFixed(1)} pt)`);
    const organ = doc.lines.find((l) => l.text.replace(/\s/g, '') === '中科院办公厅' && l.page === date.page && middleOf(l) < middleOf(date));
    assert.ok(organ && organ.xMin > AREA.left + 200, 'the issuers sign above the date, at the right');
    const note = doc.lines.find((l) => l.text.includes('（此件主动公开）'));
    const imprint = doc.lines.find((l) => l.text.includes('2022年6月20日印发'));
    assert.ok(note && imprint && (note.page < imprint.page || middleOf(note) < middleOf(imprint)), 'the note comes before the imprint');
    assert.ok(note.page > date.page || middleOf(note) > middleOf(date), 'the note comes after the signature');
    assert.ok(!doc.lines.some((l) => /在线报名|联系方式：|目录/.test(l.text) && l.text.length < 12), 'no buttons or site furniture on paper');
  });

  it('the policy prints without its outline, with headings in 黑体 and 楷体 and its cc and imprint lines', async () => {
    const layout = await printLayout(POLICY);
    assertDocumentLayout(layout, 'policy');
    assert.ok(layout.masthead && layout.masthead.text.includes('中国科协') && layout.masthead.text.includes('文件'), 'the policy prints its masthead');

    const doc = await print(POLICY, 'policy');
    // The original runs to 21 pages of 22 lines of 28 characters (seed 003).
    assert.ok(doc.pages >= 19 && doc.pages <= 23, `the policy prints on 19–23 A4 pages, as the original (got ${doc.pages})`);
    assertOnTypeArea(doc, 'policy');
    assert.ok(!doc.lines.some((l) => l.text.trim() === '目录'), 'the outline is not printed');
    const title = doc.lines.find((l) => l.page === 1 && l.text.includes('中国科协关于印发'));
    assert.ok(title && centred(title), 'the title is centred');
    const heading = doc.lines.find((l) => l.text.startsWith('一、总体要求'));
    assert.ok(heading && Math.abs(heading.xMin - (AREA.left + 2 * 16)) < 3, 'a heading is indented two characters, like the text');
    const cc = doc.lines.find((l) => l.text.startsWith('抄送：'));
    const imprint = doc.lines.find((l) => l.text.includes('2020年8月17日印发'));
    assert.ok(cc && imprint && cc.page === doc.pages && imprint.page === doc.pages, '抄送 and 印发 end the last page');
    assert.ok(middleOf(imprint) > middleOf(cc), 'the imprint follows the cc line');
    assert.ok(Math.abs(imprint.xMax - (AREA.right - 14)) < 4, 'the imprint date is one character from the right');
    assert.ok(layout.faces.heading.some((f) => /Sans|Hei|黑/.test(f)), `first-level headings are drawn in a 黑体 (sans) face (${layout.faces.heading})`);
  });
});
