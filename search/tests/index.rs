//! The written index, checked file by file, and the fixture the browser client's
//! tests read (`node --test search/js/` after `cargo test`): matching and
//! ranking live in `static/search.js`, so they are tested there, against an
//! index this crate really wrote.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use gazette_search::{Document, SearchIndex, format};
use serde_json::{Value, json};

/// A page of the test corpus.
struct Page {
    url: &'static str,
    title: &'static str,
    doc_number: Option<&'static str>,
    kind: &'static str,
    issuers: Vec<String>,
    provider: Option<&'static str>,
    year: Option<i32>,
    date: Option<&'static str>,
    /// Blocks: paragraphs, headings, table cells.
    body: Vec<&'static str>,
}

impl Page {
    fn doc(&self) -> Document<'_> {
        Document {
            url: self.url,
            title: self.title,
            doc_number: self.doc_number,
            kind: self.kind,
            issuers: &self.issuers,
            provider: self.provider,
            year: self.year,
            date: self.date,
            body: &self.body,
        }
    }

    fn json(&self) -> Value {
        json!({"url": self.url, "title": self.title, "doc_number": self.doc_number, "kind": self.kind,
            "issuers": self.issuers, "provider": self.provider, "year": self.year, "date": self.date,
            "body": self.body})
    }
}

/// A page of one block of body text. `issuers` are a course's or case's
/// provider, as the site passes them.
#[allow(clippy::too_many_arguments)]
fn page(
    url: &'static str,
    kind: &'static str,
    date: Option<&'static str>,
    issuers: &[&'static str],
    doc_number: Option<&'static str>,
    title: &'static str,
    body: &'static str,
) -> Page {
    let provided = matches!(kind, "course" | "case");
    Page {
        url,
        title,
        doc_number,
        kind,
        issuers: if provided { Vec::new() } else { issuers.iter().map(|s| s.to_string()).collect() },
        provider: if provided { issuers.first().copied() } else { None },
        year: date.and_then(|d| d.get(..4)).and_then(|y| y.parse().ok()),
        date,
        body: vec![body],
    }
}

/// Pages chosen to trip a dictionary segmenter, a naive pair index and a
/// careless tokeniser; the Node tests state what each is for.
fn corpus() -> Vec<Page> {
    vec![
        page(
            "/notices/guokebanjian-2022-83/",
            "notice",
            Some("2022-06-20"),
            &["科技部办公厅", "教育部办公厅"],
            Some("国科办监〔2022〕83号"),
            "关于举办科技成果评价和科技伦理政策实务线上专题培训的通知",
            "各有关单位：为加强科研诚信建设，推进科技伦理治理，定于2022年6月举办专题培训。培训对象为从事科技监督、科研诚信、科技伦理工作的管理人员。",
        ),
        page(
            "/policies/kyc-guize/",
            "policy",
            Some("2019-09-25"),
            &["科技部"],
            Some("国科发监〔2019〕323号"),
            "科研诚信案件调查处理规则",
            "为规范科研诚信案件调查处理工作，根据有关规定制定本规则。本规则所称科研失信行为是指在科学研究中违背科学道德。",
        ),
        page(
            "/courses/chengxin-jianshe/",
            "course",
            Some("2023-03-01"),
            &["科技部科技评估中心"],
            None,
            "诚信建设专题课",
            "本课程讲解学术诚信建设的要求。诚信是科学研究的基石。",
        ),
        page(
            "/cases/trap/",
            "case",
            Some("2021-05-10"),
            &["河北省科学技术厅"],
            None,
            "某研究所案例",
            "该所开展科研活动多年，研究员钻研诚恳待人，始终坚持诚信原则。",
        ),
        page(
            "/notices/jikepinghan-2023-16/",
            "notice",
            Some("2023-04-12"),
            &["河北省科学技术厅"],
            Some("冀科平函〔2023〕16号"),
            "关于开展2023年度科研平台绩效月报填报工作的通知",
            "各科研平台：请于每月10日前填报上月绩效数据。绩效月报包括人员队伍、经费筹集、成果产出等八个部分。",
        ),
        page(
            "/notices/jixiao-body/",
            "notice",
            Some("2024-01-08"),
            &["科技部办公厅"],
            None,
            "关于做好年度总结工作的通知",
            "做好绩效评价。绩效评价要客观。绩效评价结果公开。绩效评价结果运用。绩效评价是重点。2023年工作总结。",
        ),
        page(
            "/notices/jixiao-title/",
            "notice",
            Some("2020-02-02"),
            &["科技部办公厅"],
            None,
            "绩效评价工作方案",
            "附件见下。",
        ),
        page(
            "/notices/serial-183/",
            "notice",
            Some("2022-11-30"),
            &["教育部办公厅"],
            Some("教科技厅函〔2022〕183号"),
            "关于印发高校科技统计工作要点的通知",
            "详见附件。共3页。",
        ),
        page(
            "/policies/line-break/",
            "policy",
            Some("2018-12-01"),
            &["中国科协"],
            Some("科协发组字〔2018〕17号"),
            "教育培训规划",
            "全面加强科研诚\n信建设和作风学风\n建设，提升ＡＩ伦理治理能力。",
        ),
        page(
            "/cases/no-date/",
            "case",
            None,
            &["中国科协"],
            None,
            "典型案例：<script>alert(1)</script> & \"引号\"",
            "本案例无日期。涉及数据造假与诚信问题。",
        ),
    ]
}

/// Pages for exactness: each holds the pieces of a query the other does not
/// hold whole (`第2批` against `第一批…2批`), a table and a heading as blocks, a
/// doc number's parts scattered, Latin and digits next to Chinese.
fn exactness_pages() -> Vec<Page> {
    let mut pages = vec![
        page(
            "/notices/pilot-first/",
            "notice",
            Some("2023-05-01"),
            &["科技部办公厅"],
            None,
            "关于开展试点遴选工作的通知",
            "本次遴选为第一批，试点单位共分2批确定。",
        ),
        page(
            "/notices/pilot-second/",
            "notice",
            Some("2023-06-01"),
            &["科技部办公厅"],
            None,
            "试点单位名单",
            "第2批试点单位名单如下，第1批名单已另行公布。",
        ),
        page(
            "/notices/categories/",
            "notice",
            Some("2022-03-01"),
            &["科技部"],
            None,
            "项目分类管理办法",
            "项目分为A类、B类和AB类，2022年启动。",
        ),
        page(
            "/notices/categories-trap/",
            "notice",
            Some("2022-04-01"),
            &["科技部"],
            None,
            "预算通知",
            "本批次只受理B类和C类申报，A轮融资除外。2022 年度预算另行下达。",
        ),
        page(
            "/notices/docnum-trap/",
            "notice",
            Some("2022-08-01"),
            &["科技部办公厅"],
            Some("国科办监〔2021〕83号"),
            "关于转发国科办监文件的通知",
            "2022年工作要点见附件。",
        ),
    ];
    let mut materials = page(
        "/notices/materials/",
        "notice",
        Some("2023-07-01"),
        &["科技部办公厅"],
        None,
        "申报材料清单",
        "一、申报须知",
    );
    materials.body.extend(["知识产权归属按合同约定。", "序号", "材料名称", "1", "申报书"]);
    pages.push(materials);
    pages
}

/// Real administrative prose cut into pages, so the fixture spans several
/// shards and the client's tests can compare it with brute force at scale.
fn prose_pages() -> Vec<Page> {
    let lines: Vec<&'static str> =
        include_str!("../examples/bench_corpus.txt").lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let kinds = ["notice", "policy", "course", "case"];
    let issuers = ["中国科协", "中国科学院人事局", "科技部办公厅"];
    (0..lines.len().saturating_sub(12) / 3)
        .map(|i| {
            // Twelve lines: four paragraphs of three.
            let body: Vec<&'static str> = lines[i * 3..i * 3 + 12]
                .chunks(3)
                .map(|paragraph| &*Box::leak(paragraph.join("\n").into_boxed_str()))
                .collect();
            let kind = kinds[i % kinds.len()];
            let issuer = issuers[i % issuers.len()];
            let provided = matches!(kind, "course" | "case");
            Page {
                url: Box::leak(format!("/prose/{i}/").into_boxed_str()),
                title: lines[i * 3 + 1],
                doc_number: None,
                kind,
                issuers: if provided { Vec::new() } else { vec![issuer.to_string()] },
                provider: provided.then_some(issuer),
                year: Some(2010 + (i % 9) as i32),
                date: Some(Box::leak(format!("{}-01-{:02}", 2010 + i % 9, 1 + i % 28).into_boxed_str())),
                body,
            }
        })
        .collect()
}

/// Where the Node tests look for the fixture: under the target directory, in a
/// folder named after the checkout, since checkouts (git worktrees) may share
/// one target directory and each must test its own client against its own index.
fn fixture_dir() -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let repo = repo.canonicalize().unwrap_or(repo);
    let name: String =
        repo.to_string_lossy().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    target_dir().join("search-fixtures").join(name)
}

/// The target directory this test was built into.
fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        let dir = PathBuf::from(dir);
        return if dir.is_absolute() { dir } else { Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir) };
    }
    // target/<profile>/deps/<this test>
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(Path::to_path_buf))
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Ids in a posting list, decoded as `static/search.js` does (ids only).
fn ids_of(term: &str, list: &str) -> Vec<u32> {
    const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let digits: Vec<u32> = list.bytes().map(|b| B64.bytes().position(|c| c == b).unwrap() as u32).collect();
    let tail = if term.contains(':') { 0 } else { 1 };
    let (mut ids, mut id, mut p) = (Vec::new(), -1i64, 0);
    while p < digits.len() {
        let (mut v, mut shift) = (0u64, 0);
        loop {
            let d = digits[p];
            p += 1;
            v |= ((d & 31) as u64) << shift;
            shift += 5;
            if d & 32 == 0 {
                break;
            }
        }
        id += v as i64;
        ids.push(id as u32);
        p += tail;
    }
    ids
}

/// Ids holding `term` in the index at `dir`.
fn postings(dir: &Path, term: &str) -> Vec<u32> {
    let meta = read_json(&dir.join("meta.json"));
    let shards = meta["shards"].as_u64().unwrap() as usize;
    let shard = read_json(&dir.join("s").join(format!("{}.json", format::shard_of(term, shards))));
    shard.get(term).and_then(Value::as_str).map(|l| ids_of(term, l)).unwrap_or_default()
}

fn details(dir: &Path, id: u32) -> Value {
    read_json(&dir.join("d").join(format!("{id}.json")))
}

fn url_of(dir: &Path, id: u32) -> String {
    details(dir, id)[0].as_str().unwrap_or_default().to_string()
}

fn urls(dir: &Path, term: &str) -> BTreeSet<String> {
    postings(dir, term).into_iter().map(|id| url_of(dir, id)).collect()
}

fn set(urls: &[&str]) -> BTreeSet<String> {
    urls.iter().map(|s| s.to_string()).collect()
}

fn build(pages: &[Page]) -> SearchIndex {
    let docs: Vec<Document> = pages.iter().map(Page::doc).collect();
    SearchIndex::build(&docs)
}

#[test]
fn writes_the_fixture_the_node_tests_read() {
    let root = fixture_dir();
    let _ = std::fs::remove_dir_all(&root);
    let mut pages = corpus();
    pages.extend(exactness_pages());
    pages.extend(prose_pages());
    let index = build(&pages);
    let stats = index.write(&root.join("index")).unwrap();
    assert_eq!(stats.documents, pages.len());
    assert!(stats.shards > 1, "the fixture should exercise more than one shard");
    let listed: Vec<Value> = pages.iter().map(Page::json).collect();
    std::fs::write(root.join("corpus.json"), serde_json::to_string_pretty(&listed).unwrap()).unwrap();

    // Serve mode: one page edited, one added, one removed.
    let mut index = index;
    let mut updated: Vec<Page> = corpus_after_edits();
    index.upsert(&updated[0].doc());
    index.upsert(&updated[1].doc());
    index.remove("/cases/trap/");
    index.write(&root.join("updated")).unwrap();
    let mut all = pages;
    all.retain(|p| p.url != "/cases/trap/" && p.url != updated[0].url);
    all.append(&mut updated);
    let listed: Vec<Value> = all.iter().map(Page::json).collect();
    std::fs::write(root.join("updated-corpus.json"), serde_json::to_string_pretty(&listed).unwrap()).unwrap();

    // The Rust side's reading of queries, for the client's tokeniser to match.
    let queries = [
        "科研诚信",
        "国科办监〔2022〕83号",
        "国科办监[2022]83号",
        "83号",
        "2023 绩效",
        "ＡＩ伦理",
        "诚",
        "a-b c1d",
        "绩效2023年",
        "第2批",
        "（一）坚持，问题 导向",
    ];
    let terms: Vec<Value> = queries
        .iter()
        .map(|q| {
            let terms = format::query_terms(q);
            let shards: Vec<usize> = terms.iter().map(|t| format::shard_of(t, 97)).collect();
            json!({"query": q, "terms": terms, "shards_of_97": shards})
        })
        .collect();
    std::fs::write(root.join("query-terms.json"), serde_json::to_string_pretty(&terms).unwrap()).unwrap();
}

fn corpus_after_edits() -> Vec<Page> {
    vec![
        page(
            "/notices/jixiao-title/",
            "notice",
            Some("2020-02-02"),
            &["科技部办公厅"],
            None,
            "经费管理工作方案",
            "附件见下。内容已修订为预算执行。",
        ),
        page(
            "/notices/new-page/",
            "notice",
            Some("2025-01-01"),
            &["国家自然科学基金委员会"],
            Some("国科金发〔2025〕1号"),
            "关于发布新年度项目指南的通知",
            "新增页面，涉及科研诚信。",
        ),
    ]
}

#[test]
fn a_pair_is_listed_for_every_page_holding_it_whatever_the_word_split() {
    let dir = tempfile::tempdir().unwrap();
    build(&corpus()).write(dir.path()).unwrap();
    // 诚信 inside 科研诚信, 诚信建设, 学术诚信 and on its own: a segmenter splits all four differently.
    assert_eq!(
        urls(dir.path(), "诚信"),
        set(&[
            "/notices/guokebanjian-2022-83/",
            "/policies/kyc-guize/",
            "/courses/chengxin-jianshe/",
            "/cases/trap/",
            "/policies/line-break/",
            "/cases/no-date/",
        ])
    );
}

#[test]
fn a_line_break_inside_a_word_does_not_hide_it() {
    let dir = tempfile::tempdir().unwrap();
    build(&corpus()).write(dir.path()).unwrap();
    assert!(urls(dir.path(), "诚信").contains("/policies/line-break/"));
    assert!(urls(dir.path(), "ai").contains("/policies/line-break/"), "full-width ＡＩ is indexed as ai");
}

#[test]
fn ids_run_newest_first_and_undated_pages_last() {
    let dir = tempfile::tempdir().unwrap();
    build(&corpus()).write(dir.path()).unwrap();
    let dates: Vec<String> = (0..10).map(|id| details(dir.path(), id)[3].as_str().unwrap().to_string()).collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| match (a.is_empty(), b.is_empty()) {
        (true, false) => std::cmp::Ordering::Greater,
        (false, true) => std::cmp::Ordering::Less,
        _ => b.cmp(a),
    });
    assert_eq!(dates, sorted);
    assert_eq!(dates[0], "2024-01-08");
    assert_eq!(dates[9], "");
}

#[test]
fn facets_are_terms_and_meta_lists_their_values_by_use() {
    let dir = tempfile::tempdir().unwrap();
    build(&corpus()).write(dir.path()).unwrap();
    let meta = read_json(&dir.path().join("meta.json"));
    assert_eq!(meta["docs"], 10);
    assert_eq!(meta["types"][0], json!(["notice", 5]));
    assert_eq!(meta["issuers"][0], json!(["科技部办公厅", 3]));
    let issuers: Vec<&str> = meta["issuers"].as_array().unwrap().iter().map(|i| i[0].as_str().unwrap()).collect();
    assert!(!issuers.contains(&"科技部科技评估中心"), "a course's provider is no issuer: {issuers:?}");
    assert_eq!(meta["years"][0], json!([2024, 1]));
    assert_eq!(urls(dir.path(), "t:case"), set(&["/cases/trap/", "/cases/no-date/"]));
    assert_eq!(urls(dir.path(), "y:2023"), set(&["/courses/chengxin-jianshe/", "/notices/jikepinghan-2023-16/"]));
    assert_eq!(urls(dir.path(), "i:中国科协"), set(&["/policies/line-break/"]), "a case's provider is no issuer");
    assert!(urls(dir.path(), "i:科技部科技评估中心").is_empty());
    assert!(urls(dir.path(), "评估").contains("/courses/chengxin-jianshe/"), "the provider is searched");
}

#[test]
fn details_hold_what_a_result_line_shows() {
    let dir = tempfile::tempdir().unwrap();
    build(&corpus()).write(dir.path()).unwrap();
    let id = postings(dir.path(), "i:教育部办公厅")[0];
    let d = details(dir.path(), id);
    assert_eq!(d[0], "/notices/serial-183/");
    assert_eq!(d[2], "notice");
    assert_eq!(d[4], "教科技厅函〔2022〕183号");
    assert_eq!(d[5], "详见附件。共3页。");
}

#[test]
fn details_hold_the_rows_a_query_is_checked_against() {
    let dir = tempfile::tempdir().unwrap();
    let pages = vec![Page {
        url: "/notices/rows/",
        title: "关于《科研诚信》的通知",
        doc_number: Some("国科办监〔2022〕83号"),
        kind: "notice",
        issuers: vec!["科技部办公厅".into()],
        provider: None,
        year: Some(2022),
        date: Some("2022-06-20"),
        body: vec!["各有关单位：", "第2批 AI 2023年，共分\n３批。", "，，", "v1.2"],
    }];
    build(&pages).write(dir.path()).unwrap();
    // One line per block, in the order the index reads them; punctuation
    // between runs is one separator, none at either end; two words side by
    // side keep a space; full width and capitals folded; an empty block none.
    assert_eq!(
        details(dir.path(), 0)[6],
        "关于|科研诚信|的通知\n国科办监|2022|83号\n科技部办公厅\n各有关单位\n第2批ai 2023年|共分3批\nv1|2"
    );
}

#[test]
fn an_index_built_into_its_folder_writes_the_same_files_as_one_built_at_once() {
    let pages = many_pages();
    let mut docs: Vec<Document> = pages.iter().map(Page::doc).collect();
    docs.sort_by(SearchIndex::newest_first);
    let whole = tempfile::tempdir().unwrap();
    build(&pages).write(whole.path()).unwrap();
    let streamed = tempfile::tempdir().unwrap();
    let index = SearchIndex::build_into(streamed.path(), docs.len(), |k, index| {
        index(&docs[k]);
        Ok::<(), gazette_search::SearchError>(())
    })
    .unwrap();
    assert_eq!(std::fs::read_dir(streamed.path().join("d")).unwrap().count(), docs.len(), "details written as built");
    index.write(streamed.path()).unwrap();
    assert!(tree(whole.path()) == tree(streamed.path()), "the two indexes differ");
    let elsewhere = tempfile::tempdir().unwrap();
    let refused = index.write(elsewhere.path()).unwrap_err().to_string();
    assert!(refused.contains(&streamed.path().display().to_string()), "{refused}");
}

#[test]
fn upsert_replaces_a_page_in_every_list_and_remove_leaves_no_trace() {
    let dir = tempfile::tempdir().unwrap();
    let mut index = build(&corpus());
    let edited = &corpus_after_edits()[0];
    index.upsert(&edited.doc());
    index.remove("/cases/trap/");
    index.remove("/never/indexed/");
    assert_eq!(index.len(), 9);
    let stats = index.write(dir.path()).unwrap();
    assert_eq!(stats.documents, 9);
    assert!(!urls(dir.path(), "绩效").contains("/notices/jixiao-title/"));
    assert!(urls(dir.path(), "经费").contains("/notices/jixiao-title/"));
    assert!(!urls(dir.path(), "钻研").contains("/cases/trap/"));
    assert!(postings(dir.path(), "钻研").is_empty(), "a term only the removed page had is gone");
    let removed_ids: Vec<u32> = (0..10).filter(|&id| details(dir.path(), id).is_number()).collect();
    assert_eq!(removed_ids.len(), 1, "a removed page leaves a 0 as its details");
    assert_eq!(read_json(&dir.path().join("meta.json"))["docs"], 9);
}

#[test]
fn upsert_of_a_new_url_adds_a_page() {
    let dir = tempfile::tempdir().unwrap();
    let mut index = build(&corpus());
    index.upsert(&corpus_after_edits()[1].doc());
    index.write(dir.path()).unwrap();
    assert!(urls(dir.path(), "指南").contains("/notices/new-page/"));
    assert!(urls(dir.path(), "诚信").contains("/notices/new-page/"));
    assert_eq!(urls(dir.path(), "诚信").len(), 7);
}

#[test]
fn an_index_built_page_by_page_lists_the_same_pages_as_one_built_at_once() {
    let pages = corpus();
    let whole = tempfile::tempdir().unwrap();
    build(&pages).write(whole.path()).unwrap();
    let mut index = SearchIndex::build(&[]);
    for page in pages.iter().rev() {
        index.upsert(&page.doc());
    }
    let pieces = tempfile::tempdir().unwrap();
    index.write(pieces.path()).unwrap();
    for term in ["诚信", "科研", "绩效", "2023", "t:notice", "i:中国科协", "号", "83"] {
        assert_eq!(urls(whole.path(), term), urls(pieces.path(), term), "{term}");
    }
}

#[test]
fn write_removes_shards_and_details_it_no_longer_has_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    build(&corpus()).write(dir.path()).unwrap();
    std::fs::create_dir_all(dir.path().join("p")).unwrap();
    for stale in ["s/900.json", "d/77.json", "p/3.json"] {
        std::fs::write(dir.path().join(stale), "{}").unwrap();
    }
    std::fs::write(dir.path().join("s/notes.txt"), "not ours").unwrap();
    let stats = build(&corpus()[..3]).write(dir.path()).unwrap();
    assert!(!dir.path().join("s/900.json").exists());
    assert!(!dir.path().join("d/77.json").exists());
    assert!(!dir.path().join("p/3.json").exists(), "positions of an earlier format are stale");
    assert!(dir.path().join("s/notes.txt").exists());
    let details = std::fs::read_dir(dir.path().join("d")).unwrap().count();
    assert_eq!(details, 3, "one details file per page");
    let shard_files = std::fs::read_dir(dir.path().join("s")).unwrap().count() - 1;
    assert_eq!(shard_files, stats.shards);
    let on_disk: u64 = walk(dir.path())
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| p.metadata().unwrap().len())
        .sum();
    let json_files = walk(dir.path()).iter().filter(|p| p.extension().is_some_and(|e| e == "json")).count();
    assert_eq!(json_files, stats.files);
    assert_eq!(on_disk, stats.bytes);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn writing_into_an_unwritable_place_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "").unwrap();
    let err = build(&corpus()).write(&blocker.join("index")).unwrap_err();
    assert!(err.to_string().contains("file/index") || err.to_string().contains("file"), "{err}");
}

#[test]
fn the_index_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<SearchIndex>();
}

#[test]
fn query_terms_are_the_pairs_of_neighbouring_units_or_a_lone_unit() {
    assert_eq!(format::query_terms("科研诚信"), vec!["科研", "研诚", "诚信"]);
    assert_eq!(
        format::query_terms("国科办监[2022]83号"),
        vec!["国科", "科办", "办监", "监|", "|2022", "2022|", "|83", "83号"]
    );
    assert_eq!(format::query_terms("第2批"), vec!["第2", "2批"]);
    assert_eq!(format::query_terms("2023 绩效"), vec!["2023", "绩效"]);
    assert_eq!(format::query_terms("诚"), vec!["诚"]);
    assert_eq!(format::query_terms("《科研》 a"), vec!["科研", "a"]);
}

/// Every file under `dir`, relative path → bytes.
fn tree(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    walk(dir).into_iter().map(|p| (p.strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(&p).unwrap())).collect()
}

fn many_pages() -> Vec<Page> {
    let mut pages = corpus();
    pages.extend(exactness_pages());
    pages.extend(prose_pages());
    pages
}

#[test]
fn a_digit_next_to_chinese_is_a_pair_listed_only_where_they_touch() {
    let dir = tempfile::tempdir().unwrap();
    build(&many_pages()).write(dir.path()).unwrap();
    assert_eq!(urls(dir.path(), "第2"), set(&["/notices/pilot-second/"]));
    assert_eq!(urls(dir.path(), "2批"), set(&["/notices/pilot-first/", "/notices/pilot-second/"]));
    assert_eq!(urls(dir.path(), "a类"), set(&["/notices/categories/"]));
    assert!(urls(dir.path(), "83号").contains("/notices/docnum-trap/"));
    assert!(urls(dir.path(), "|2021").contains("/notices/docnum-trap/"), "〔2021〕: 2021 after punctuation");
    assert!(
        !urls(dir.path(), "|2022").contains("/notices/docnum-trap/"),
        "2022 starts the body: no punctuation before"
    );
}

#[test]
fn no_pair_spans_two_table_cells_or_a_heading_and_its_paragraph() {
    let dir = tempfile::tempdir().unwrap();
    build(&many_pages()).write(dir.path()).unwrap();
    assert_eq!(urls(dir.path(), "名称"), set(&["/notices/materials/"]));
    assert!(urls(dir.path(), "号材").is_empty(), "序号 | 材料名称 are two cells");
    assert!(urls(dir.path(), "知知").is_empty(), "申报须知 is a heading, 知识产权 the paragraph after it");
    assert!(!urls(dir.path(), "知|").contains("/notices/materials/"), "nothing joins the heading to the paragraph");
    assert!(urls(dir.path(), "|申").contains("/notices/materials/"), "一、申报: punctuation inside a block joins");
}

#[test]
fn upserting_pages_newest_first_writes_the_same_files_as_building_them() {
    let mut pages = many_pages();
    let whole = tempfile::tempdir().unwrap();
    build(&pages).write(whole.path()).unwrap();
    // Build order: newest first, undated last, then by URL.
    pages.sort_by(|a, b| b.date.cmp(&a.date).then(a.url.cmp(b.url)));
    let mut index = SearchIndex::build(&[]);
    for page in &pages {
        index.upsert(&page.doc());
    }
    let pieces = tempfile::tempdir().unwrap();
    index.write(pieces.path()).unwrap();
    assert!(tree(whole.path()) == tree(pieces.path()), "the two indexes differ");
}

#[test]
fn writing_again_after_edits_leaves_the_same_files_as_a_full_write() {
    let mut index = build(&many_pages());
    let served = tempfile::tempdir().unwrap();
    index.write(served.path()).unwrap();
    for page in corpus_after_edits() {
        index.upsert(&page.doc());
    }
    index.remove("/cases/trap/");
    index.remove("/prose/3/");
    let stats = index.write(served.path()).unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let fresh_stats = index.write(fresh.path()).unwrap();
    assert_eq!(stats, fresh_stats);
    assert!(tree(served.path()) == tree(fresh.path()), "an incremental write differs from a full one");
}

#[test]
fn an_edit_rewrites_only_the_files_it_changed() {
    let pages = many_pages();
    let mut index = build(&pages);
    let dir = tempfile::tempdir().unwrap();
    let stats = index.write(dir.path()).unwrap();
    for sub in ["s", "d"] {
        for entry in std::fs::read_dir(dir.path().join(sub)).unwrap() {
            std::fs::remove_file(entry.unwrap().path()).unwrap();
        }
    }
    // One word of one page changes; its length and every other page stay.
    let page = pages.iter().find(|p| p.url == "/notices/jixiao-body/").unwrap();
    let body = page.body[0].replacen("重点", "要点", 1);
    let blocks = [body.as_str()];
    let edited = Document { body: &blocks, ..page.doc() };
    index.upsert(&edited);
    index.write(dir.path()).unwrap();
    let count = |sub: &str| std::fs::read_dir(dir.path().join(sub)).unwrap().count();
    assert_eq!(count("d"), 1, "only the page's details");
    assert!(count("s") <= 6 && count("s") >= 1, "{} of {} shards rewritten", count("s"), stats.shards);
}
