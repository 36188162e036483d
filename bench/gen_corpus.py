#!/usr/bin/env python3
"""Generate a synthetic gazette ``content/`` tree for build benchmarks.

Why this exists: build speed has to be measured on corpora of 1k-50k pages (and
compared with Zola and Hugo), but the real content is a few dozen pages. This
script multiplies it. It reads the sentences, headings, titles, topics and
categories of the repository's own ``content/`` (so it works on a clean clone,
with no external data) and reassembles them into N pages in exactly the format of
the README's "Content format": TOML front matter, the four type folders, bundles with
attachments, unique doc numbers, 一、/（一）/1. headings, and internal links that
only point to pages (and policy anchors) that exist in the generated corpus, so
``gazette check`` passes and the benchmark measures a clean build.

    python3 bench/gen_corpus.py OUT_DIR --pages N [--seed S] [--source DIR]

writes OUT_DIR/content/{notices,courses,policies,cases}/ (plus a copy of
content/forms/ when the source has one, so form links resolve). Same seed, same
corpus. Python 3.8+ standard library only.
"""
import argparse, datetime as dt, random, re, shutil, sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "content"
MIX = [("notices", 0.50), ("courses", 0.25), ("policies", 0.10), ("cases", 0.15)]
# (issuer, doc-number issuer code); codes are unique so doc numbers never collide.
ISSUERS = [("科技部办公厅", "国科办监"), ("科技部", "国科发政"), ("教育部办公厅", "教科技厅函"),
    ("国家卫生健康委办公厅", "国卫办科教函"), ("中科院办公厅", "科发办字"), ("中国科学院人事局", "科发人字"),
    ("中国科协", "科协发组字"), ("中国科协办公厅", "科协办发"), ("人力资源社会保障部办公厅", "人社厅发"),
    ("国家自然科学基金委员会", "国科金发"), ("河北省科学技术厅", "冀科平函"), ("北京市科学技术委员会", "京科发"),
    ("上海市科学技术委员会", "沪科"), ("江苏省科学技术厅", "苏科监发"), ("浙江省科学技术厅", "浙科发"),
    ("山东省科学技术厅", "鲁科字"), ("广东省科学技术厅", "粤科函"), ("山西省科学技术厅", "晋科发"),
    ("四川省科学技术厅", "川科"), ("湖北省科学技术厅", "鄂科技发"), ("河南省科学技术厅", "豫科"),
    ("陕西省科学技术厅", "陕科"), ("天津市科学技术局", "津科"), ("重庆市科学技术局", "渝科局发"),
    ("吉林省科学技术厅", "吉科发"), ("安徽省科学技术厅", "皖科"), ("福建省科学技术厅", "闽科"),
    ("湖南省科学技术厅", "湘科"), ("辽宁省科学技术厅", "辽科发"), ("新疆生产建设兵团科学技术局", "兵科发")]
REGIONS = ["北京市", "天津市", "河北省", "山西省", "辽宁省", "吉林省", "上海市", "江苏省", "浙江省", "安徽省",
           "福建省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "四川省", "重庆市", "陕西省", "全国"]
KINDS = ["专业技术研修班", "专项技术短期培训班", "学术讲坛", "案例课", "专题培训"]
TIERS, MODES = ["所级", "院级培育", "精品", "高研"], ["线上", "线下", "线上线下"]
NUM = "一二三四五六七八九十"
VERBS = ["做好", "开展", "举办", "组织申报", "加强", "报送", "推进"]
CLAUSE = r"(加强|完善|建立|健全|推进|深化|开展|提升|做好|实施|优化|推动|探索|规范|落实)"


def harvest(src):
    """Sentences, heading texts, topic phrases, salutations and verb clauses
    (加强…, 完善…: used in titles) from the real content."""
    sents, heads, phrases, greets = set(), set(), set(), set()
    for p in sorted(src.rglob("*")):
        if p.suffix not in (".md", ".txt") or p.relative_to(src).parts[0] == "forms":
            continue
        text = p.read_text(encoding="utf-8")
        if text.startswith("+++"):
            fm, text = text[3:].split("\n+++\n", 1)
            for key in ("topics", "category"):
                for m in re.finditer(r'^%s = (.*)$' % key, fm, re.M):
                    phrases.update(re.findall(r'"([^"]{2,10})"', m.group(1)))
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text).replace("**", "").replace("`", "")
        for line in text.splitlines():
            line = line.strip()
            h = re.match(r"#{2,4} (?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\. )?(.+)", line)
            if h:
                if 2 <= len(h.group(1)) <= 20:
                    heads.add(h.group(1))
                continue
            if line.endswith("：") and line.startswith("各") and len(line) < 60:
                greets.add(line)
            line = re.sub(r"^(?:\d+\.|-|（[一二三四五六七八九十]+）|\s)+", "", line)
            for s in re.findall(r"[^。！？；\n]+[。！？；]", line):
                if 12 <= len(s) <= 160 and not re.search(r"http|@|图略|[|\t*_#<>\[\]]", s):
                    sents.add(s.strip())
    clauses = {c for s in sents for c in re.split(r"[，、；。：！？“”（）]", s)
               if 6 <= len(c) <= 16 and re.match(CLAUSE, c) and not re.search(r"\d", c)}
    return sorted(sents), sorted(heads), sorted(phrases), sorted(greets) or ["各有关单位："], sorted(clauses)


def toml(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float, dt.date)):
        return repr(v) if isinstance(v, float) else str(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml(x) for x in v) + "]"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def front(fields, tables=()):
    out = ["+++"] + ["%s = %s" % (k, toml(v)) for k, v in fields.items() if v is not None]
    for name, rows in tables:
        for row in rows:
            out += ["", "[[%s]]" % name] + ["%s = %s" % (k, toml(v)) for k, v in row.items()]
    return "\n".join(out + ["+++", ""])


class Gen:
    def __init__(self, rng, pool, pages):
        self.r, self.pages = rng, pages
        self.sents, self.heads, _, self.greets, _ = pool

    def para(self, lo=2, hi=5):
        return "".join(self.r.sample(self.sents, self.r.randint(lo, hi)))

    def link(self, me):
        typ, slug, title = self.r.choice(self.pages)
        if slug == me:
            return ""
        anchor = "#s1" if typ == "policies" else ""   # every generated policy has 一、 -> #s1
        return "详见[%s](/%s/%s/%s)。" % (title, typ, slug, anchor)

    def body(self, me, files, greet):
        r, target = self.r, self.r.randint(1200, 3000)   # overshoot lands bodies at ~1.5-4 KB
        out = [r.choice(self.greets)] if greet else []
        self.intro = self.para(1, 3)
        out.append(self.intro)
        sec = 0
        while len("\n\n".join(out).encode()) < target and sec < len(NUM):
            out.append("## %s、%s" % (NUM[sec], r.choice(self.heads)))
            sec += 1
            if r.random() < 0.5:
                for sub in range(r.randint(1, 3)):
                    out.append("### （%s）%s" % (NUM[sub], r.choice(self.heads)))
                    if r.random() < 0.4:
                        for n in range(1, r.randint(2, 3)):
                            out += ["#### %d. %s" % (n, r.choice(self.heads)), self.para(1, 2)]
                    else:
                        out.append(self.para())
            else:
                out.append(self.para() + (self.link(me) if r.random() < 0.3 else ""))
                if r.random() < 0.3:
                    out += ["%d. %s" % (i + 1, r.choice(self.sents)) for i in range(r.randint(2, 4))]
        if files:
            out.append("附件：" + "、".join("[%s](%s)" % (t, f) for t, f in files))
        return "\n\n".join(out) + "\n"

    def attachments(self):
        files = []
        for i in range(self.r.randint(1, 3)):
            if self.r.random() < 0.3:
                rows = ["序号,单位名称,联系人,联系电话"] + ["%d,%s,,010-6%07d" % (j + 1, self.r.choice(ISSUERS)[0], self.r.randrange(10**7)) for j in range(self.r.randint(1, 6))]
                files.append(("信息表%d" % (i + 1), "fujian%d-xinxibiao.csv" % (i + 1), "\r\n".join(rows) + "\r\n"))
            else:
                files.append(("%s说明" % self.r.choice(self.heads), "fujian%d-shuoming.txt" % (i + 1), "\n\n".join(self.para() for _ in range(3)) + "\n"))
        return files


def day(r, y0=2018, y1=2026):
    return dt.date(y0, 1, 1) + dt.timedelta(days=r.randrange((dt.date(y1, 12, 31) - dt.date(y0, 1, 1)).days))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--pages", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--source", type=Path, default=SOURCE, help="real content/ to draw text from")
    a = ap.parse_args()
    if a.pages < len(MIX):
        ap.error("--pages must be at least %d (one page of each type)" % len(MIX))
    r, pool = random.Random(a.seed), harvest(a.source)
    if len(pool[0]) < 50 or len(pool[1]) < 10:
        sys.exit("too little text under %s to build a corpus from" % a.source)
    out = a.out_dir / "content"
    if out.resolve() == a.source.resolve():
        sys.exit("refusing to overwrite the source content/ (%s)" % out)
    if out.exists():
        shutil.rmtree(out)
    forms = sorted(p.stem for p in (a.source / "forms").glob("*.toml"))
    if forms:
        shutil.copytree(a.source / "forms", out / "forms")
    counts = {t: max(1, round(a.pages * f)) for t, f in MIX}
    counts["notices"] += a.pages - sum(counts.values())
    prefix = {"notices": "tongzhi", "courses": "kecheng", "policies": "zhengce", "cases": "anli"}
    plan = [(t, "%s-%05d" % (prefix[t], i + 1)) for t, _ in MIX for i in range(counts[t])]
    titles, dates = {}, {}
    for t, slug in plan:   # titles and dates first, so any page can link to any other
        ph, cl = r.choice(pool[2]), r.choice(pool[4] or pool[2])
        dates[slug] = day(r)
        year = dates[slug].year
        half = r.random() < 0.5
        titles[slug] = {"notices": "关于%s的通知" % cl if half else "关于%s%d年度%s工作的通知" % (r.choice(VERBS), year, ph),
                        "courses": "%d年%s%s" % (year, ph, r.choice(KINDS)),
                        "policies": "关于%s的实施意见" % cl if half else "关于印发《%s管理办法》的通知" % ph,
                        "cases": "%s%s的实践探索" % (r.choice(REGIONS).replace("全国", ""), cl if half else ph)}[t]
    g = Gen(r, pool, [(t, s, titles[s]) for t, s in plan])
    serials, policies, nbytes, nfiles = {}, [], 0, 0
    for t, slug in plan:
        files = g.attachments() if t in ("notices", "policies", "cases") and r.random() < 0.2 else []
        f, tables = {"title": titles[slug]}, []
        if t in ("notices", "policies"):
            issuers = r.sample(ISSUERS, 1 if r.random() < 0.85 else r.randint(2, 4))
            written = dates[slug]
            f.update(doc_number=None, issuers=[i for i, _ in issuers], written=written,
                     published=written + dt.timedelta(days=r.randint(0, 6)),
                     disclosure=r.choice(["主动公开", "主动公开", "依申请公开"]), topics=r.sample(pool[2], 2))
            if r.random() < 0.7:
                key = (issuers[0][1], written.year)
                serials[key] = serials.get(key, 0) + r.randint(1, 9)
                f["doc_number"] = "%s〔%d〕%d号" % (key[0], key[1], serials[key])
            if t == "notices" and r.random() < 0.4:
                f["deadline"] = written + dt.timedelta(days=r.randint(7, 90))
            if t == "notices" and forms and r.random() < 0.15:
                f["form"] = r.choice(forms)
                if f["form"] == "registration":
                    f["course"] = r.choice([s for tt, s in plan if tt == "courses"])
            if t == "policies":
                f["status"] = r.choice(["现行有效", "现行有效", "已失效"])
                policies.append(f)
            if r.random() < 0.5:
                tables.append(("contacts", [{"name": r.choice("王李张刘陈杨赵黄周吴") + r.choice(["伟", "芳", "敏", "静", "磊", "洋"]),
                                             "org": issuers[0][0], "phone": "010-6%07d" % r.randrange(10**7)}]))
        elif t == "courses":
            start = dates[slug]
            f.update(category=r.choice(pool[2]), kind=r.choice(KINDS), tier=r.choice(TIERS), required=r.random() < 0.3,
                     hours=float(r.choice([2, 4, 8, 12, 16, 24, 32, 40])), start=start,
                     end=start + dt.timedelta(days=r.randint(0, 5)), mode=r.choice(MODES),
                     place=r.choice(REGIONS[:-1]), capacity=r.choice([None, 30, 50, 70, 100, 200]),
                     provider=r.choice(ISSUERS)[0], recommended=r.random() < 0.1)
            if r.random() < 0.5:
                f["registration_opens"] = start - dt.timedelta(days=r.randint(20, 60))
                f["registration_closes"] = start - dt.timedelta(days=r.randint(1, 19))
        else:
            f.update(region=r.choice(REGIONS), provider=r.choice(ISSUERS)[0], category=r.choice(pool[2]), date=dates[slug])
        body = g.body(slug, [(a_t, a_f) for a_t, a_f, _ in files], greet=t == "notices")
        f["summary"] = re.findall(r"[^。！？；]+[。！？；]", g.intro)[0][:120]
        if files:
            tables.append(("attachments", [{"title": a_t, "file": a_f} for a_t, a_f, _ in files]))
        f["_path"] = out / t / slug / "index.md" if files else out / t / (slug + ".md")
        f["_slug"], f["_body"], f["_tables"], f["_files"] = slug, body, tables, files
        if t != "policies":
            nbytes, nfiles = write(f, nbytes, nfiles)
    policies.sort(key=lambda p: p["written"])
    for old, new in zip(policies, policies[1:]):   # some chains: new supersedes old
        if r.random() < 0.2 and old["status"] == "现行有效" and "superseded_by" not in old and new["written"] > old["written"]:
            old["status"], old["superseded_by"], new["supersedes"] = "已被替代", new["_slug"], old["_slug"]
    for p in policies:
        nbytes, nfiles = write(p, nbytes, nfiles)
    print("wrote %s: %s; %d files, %.1f MB" % (out, ", ".join("%d %s" % (counts[t], t) for t, _ in MIX),
                                                nfiles, nbytes / 1e6))


def write(f, nbytes, nfiles):
    """Write one page (and its bundle files); return updated byte and file counts."""
    path = f["_path"]
    path.parent.mkdir(parents=True, exist_ok=True)
    text = front({k: v for k, v in f.items() if not k.startswith("_")}, f["_tables"]) + "\n" + f["_body"]
    path.write_text(text, encoding="utf-8")
    nbytes, nfiles = nbytes + len(text.encode()), nfiles + 1
    for _, name, data in f["_files"]:
        (path.parent / name).write_text(data, encoding="utf-8")
        nbytes, nfiles = nbytes + len(data.encode()), nfiles + 1
    return nbytes, nfiles


if __name__ == "__main__":
    main()
