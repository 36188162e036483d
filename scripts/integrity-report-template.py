#!/usr/bin/env python3
"""Writes static/downloads/integrity-investigation-report.docx: the template of an
institution's investigation report (机构调查报告) for a retracted-paper case (seed 004,
"上传机构调查报告 — 下载模板"). Standard library only; run it again after changing
the sections below, and commit the file it writes."""

import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

TITLE = "关于论文撤稿相关问题的调查报告（模板）"
LINES = [
    "（按本模板填写，加盖单位公章后扫描为 PDF 上传。方括号内为填写说明，提交前删除。）",
    "一、论文基本情况",
    "论文编号：[系统中的论文编号]　批次：[批次]",
    "论文名称：",
    "期刊及 DOI：",
    "作者（按署名顺序）：",
    "第一通讯作者单位：",
    "撤稿时间及原因：",
    "二、调查过程",
    "[调查组组成、调查时间、谈话对象、查阅的原始数据和投稿记录等。]",
    "三、调查结论",
    "是否存在科研失信行为：□ 是　□ 否　□ 其他情况（说明）",
    "认定的事实及依据：",
    "四、作者责任认定（按署名顺序逐一填写）",
    "姓名 / 机构 / 证件号码 / 署名身份 / 是否给予处理",
    "五、处理意见",
    "失信行为类型（《科研失信行为调查处理规则》第二条）：",
    "情节轻重（第三十条）：",
    "处理措施及期限（第二十九条，逐一列明对应作者）：",
    "可从轻或应从重处理的情形：",
    "六、附件清单",
    "1. 作者情况说明　2. 调查谈话记录　3. 论文原始数据　4. 投稿记录、投稿时所有论文作者签字单",
    "5. 单位调查结论　6. 调查处理决定书　7. 涉事论文原文　8. 其他文件（5–8 项正文已有的可不提供）",
    "",
    "单位（公章）：",
    "日期：　　年　　月　　日",
]

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>"""

RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>"""


def paragraph(text, bold=False, centred=False, size=None):
    props = ""
    if centred:
        props += '<w:pPr><w:jc w:val="center"/></w:pPr>'
    run = '<w:rFonts w:eastAsia="SimSun"/>'
    if bold:
        run += "<w:b/>"
    if size:
        run += f'<w:sz w:val="{size}"/>'
    return f'<w:p>{props}<w:r><w:rPr>{run}</w:rPr><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'


def document():
    body = [paragraph(TITLE, bold=True, centred=True, size=32)]
    for line in LINES:
        heading = line[:2] in {"一、", "二、", "三、", "四、", "五、", "六、"}
        body.append(paragraph(line, bold=heading))
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        + "".join(body)
        + "</w:body></w:document>"
    )


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "static/downloads/integrity-investigation-report.docx")
    out.parent.mkdir(parents=True, exist_ok=True)
    fixed = (1980, 1, 1, 0, 0, 0)  # the same bytes on every run
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", RELS),
            ("word/document.xml", document()),
        ]:
            z.writestr(zipfile.ZipInfo(name, fixed), text)


if __name__ == "__main__":
    main()
