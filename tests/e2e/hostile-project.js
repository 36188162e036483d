'use strict';
// A throw-away gazette project whose content is as hostile to a narrow screen
// as an editor can make it: 200-character URLs in summaries, unbroken Latin
// strings in titles, issuers, contacts and places, long e-mail addresses, wide
// tables, long code lines and long document numbers. It uses the repository's
// templates, stylesheet and scripts (symlinked), so it shows how the real site
// lays out such content.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { REPO } = require('./harness');

// The example of issue 10, item 6: a 200-character URL in a summary.
const LONG_URL =
  'https://www.most.gov.cn/xxgk/xinxifenlei/fdzdgknr/qtwj/qtwj2022/202206/t20220620_181234.html?from=' +
  'a'.repeat(100);
const LONG_WORD = 'Supercalifragilisticexpialidocious'.repeat(4);
const LONG_EMAIL = `${'kejijiandu.pinggu.zhongxin.peixun.pingtai'.repeat(2)}@ncste-training-platform-administration.org.cn`;
const LONG_DOC_NUMBER = '国科发监管评估诚信伦理〔2022〕1234567号';

const wideTable = () => {
  const header = Array.from({ length: 12 }, (_, i) => `第${i + 1}列表头名称`).join(' | ');
  const rule = Array.from({ length: 12 }, () => '---').join(' | ');
  const row = Array.from({ length: 12 }, (_, i) => `${LONG_WORD.slice(0, 20 + i)}`).join(' | ');
  return `| ${header} |\n| ${rule} |\n| ${row} |\n| ${row} |`;
};

const body = `各有关单位：

正文中的长链接：${LONG_URL} ，长文号 ${LONG_DOC_NUMBER}，长词 ${LONG_WORD}。

## 一、${LONG_WORD}

${wideTable()}

## 二、代码

\`\`\`
${'const veryLongIdentifierName = '.repeat(12)}0;
\`\`\`

行内代码 \`${LONG_WORD}\`，链接 [${LONG_URL}](${LONG_URL})，邮箱 [${LONG_EMAIL}](mailto:${LONG_EMAIL})。

## 三、其他

截止日期为2026-12-31。

## 四、联系方式

${LONG_EMAIL}
`;

const FILES = {
  'notices/changlianjie-tongzhi.md': `+++
title = "关于${LONG_WORD}的通知${LONG_URL}"
doc_number = "${LONG_DOC_NUMBER}"
issuers = ["${LONG_WORD}办公厅", "科技部办公厅"]
written = 2026-11-01
published = 2026-11-02
disclosure = "主动公开"
topics = ["${LONG_WORD}"]
deadline = 2026-12-31
summary = "摘要中的长链接：${LONG_URL}"

[[contacts]]
name = "${LONG_WORD}"
org = "${LONG_WORD}中心"
phone = "010-62165119"
email = "${LONG_EMAIL}"
+++

${body}`,
  'notices/putong-tongzhi.md': `+++
title = "关于开展培训的通知"
issuers = ["科技部办公厅"]
written = 2026-10-01
published = 2026-10-02
disclosure = "依申请公开"
summary = "${LONG_URL}"
+++

各有关单位：

请按要求参加培训。
`,
  'courses/changkecheng.md': `+++
title = "${LONG_WORD}课程${LONG_URL}"
category = "${LONG_WORD}"
kind = "专题培训"
tier = "精品"
required = true
hours = 3.0
start = 2026-12-08
end = 2026-12-09
mode = "线下"
place = "${LONG_URL}"
capacity = 50
registration_opens = 2026-01-01
registration_closes = 2099-12-01
provider = "${LONG_WORD}"
recommended = true
summary = "${LONG_URL}"
+++

${body}`,
  'policies/changzhengce.md': `+++
title = "${LONG_WORD}政策${LONG_URL}"
doc_number = "科协发组字〔2020〕17号"
issuers = ["${LONG_WORD}"]
written = 2020-08-14
published = 2020-08-17
disclosure = "主动公开"
status = "现行有效"
summary = "${LONG_URL}"
+++

${body}`,
  'cases/changanli.md': `+++
title = "${LONG_WORD}案例"
region = "${LONG_WORD}"
provider = "${LONG_WORD}"
category = "${LONG_WORD}"
date = 2021-08-05
summary = "${LONG_URL}"
+++

${body}`,
};

/** Creates the project in a fresh temporary folder; resolves with its path and
 * the URLs of every kind of page worth checking. remove() deletes it. */
function hostileProject() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gazette-hostile-'));
  for (const dir of ['templates', 'static']) fs.symlinkSync(path.join(REPO, dir), path.join(root, dir));
  fs.copyFileSync(path.join(REPO, 'gazette.toml'), path.join(root, 'gazette.toml'));
  fs.mkdirSync(path.join(root, 'content'));
  fs.symlinkSync(path.join(REPO, 'content', 'forms'), path.join(root, 'content', 'forms'));
  for (const [file, text] of Object.entries(FILES)) {
    const full = path.join(root, 'content', file);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, text);
  }
  const pages = [
    '/',
    '/notices/',
    '/courses/',
    '/policies/',
    '/cases/',
    '/search/',
    '/404.html',
    '/notices/changlianjie-tongzhi/',
    '/notices/putong-tongzhi/',
    '/courses/changkecheng/',
    '/policies/changzhengce/',
    '/cases/changanli/',
    `/notices/issuer/${encodeURIComponent(`${LONG_WORD}办公厅`)}/`,
    `/courses/category/${encodeURIComponent(LONG_WORD)}/`,
  ];
  return { root, pages, remove: () => fs.rmSync(root, { recursive: true, force: true }) };
}

module.exports = { hostileProject, LONG_URL, LONG_WORD, LONG_EMAIL, LONG_DOC_NUMBER };
