//! Learning records through the API, on both stores: a learner registered while
//! signed in studies an online course's lessons (progress, effective time bounded
//! by the wall clock, hours at the last lesson); an organiser records attendance at
//! an offline course; the statistics and their export as each role's scope allows;
//! the growth record and the year-end summary.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::Router;
use axum::http::{Method, StatusCode};
use gazette_core::http::{AppState, AuthConfig, Claims, Role};
use gazette_core::store::SharedStore;
use gazette_core::workflows::{Course, CourseCatalog, Lesson, PlanDeadlines, Study, StudyMode, StudyTargets};
use jiff::Timestamp;
use serde_json::{Value, json};

use crate::support::{Reply, request, send};

pub(crate) const SECRET: &[u8] = b"test-secret-for-hs256-tokens-only";
pub(crate) const ONLINE: &str = "evaluation-online";
const OFFLINE: &str = "ethics-offline";
const OTHER: &str = "other-organiser";

/// A clock the test moves: seconds since the epoch.
pub(crate) struct TestClock(Arc<AtomicI64>);

impl TestClock {
    pub(crate) fn at(utc: &str) -> TestClock {
        TestClock(Arc::new(AtomicI64::new(utc.parse::<Timestamp>().unwrap().as_second())))
    }
    pub(crate) fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
    pub(crate) fn clock(&self) -> gazette_core::workflows::Clock {
        let now = self.0.clone();
        Arc::new(move || Timestamp::from_second(now.load(Ordering::SeqCst)).unwrap())
    }
}

pub(crate) fn catalog() -> CourseCatalog {
    let lesson = |slug: &str, title: &str| Lesson { slug: slug.into(), title: title.into(), duration_secs: 1200 };
    let course = |slug: &str, title: &str, study: Study| Course {
        slug: slug.into(),
        title: title.into(),
        capacity: None,
        opens: None,
        closes: None,
        study,
    };
    CourseCatalog::new([
        course(
            ONLINE,
            "科技成果评价改革政策解读",
            Study {
                hours: 2.0,
                required: true,
                mode: StudyMode::Online,
                starts: Some(jiff::civil::date(2026, 12, 1)),
                organiser: Some("ncste".into()),
                lessons: vec![lesson("one", "第一节"), lesson("two", "第二节")],
            },
        ),
        course(
            OFFLINE,
            "科技伦理审查实务研修班",
            Study {
                hours: 32.0,
                required: false,
                mode: StudyMode::Offline,
                starts: Some(jiff::civil::date(2027, 4, 19)),
                organiser: Some("ncste".into()),
                lessons: vec![],
            },
        ),
        course(
            OTHER,
            "其他组织者的课程",
            Study { hours: 4.0, organiser: Some("cas-bureau".into()), mode: StudyMode::Offline, ..Study::default() },
        ),
    ])
}

fn app(store: SharedStore, clock: &TestClock) -> Router {
    let state = AppState::new(store, catalog(), PlanDeadlines::default(), AuthConfig::hs256(SECRET), clock.clock())
        .with_study_targets(StudyTargets { total_hours: 30.0, online_hours: 2.0 });
    gazette_core::web::router(state)
}

pub(crate) fn token(sub: &str, role: Role, unit: Option<&str>, region: Option<&str>) -> String {
    let claims = Claims {
        sub: sub.into(),
        role,
        unit: unit.map(str::to_owned),
        region: region.map(str::to_owned),
        epoch: None,
        exp: Timestamp::now().as_second() + 3600,
    };
    jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &jsonwebtoken::EncodingKey::from_secret(SECRET))
        .unwrap()
}

pub(crate) async fn call(app: &Router, method: Method, uri: &str, token: &str, body: Option<Value>) -> Reply {
    send(app, request(method, uri, Some(token), body)).await
}

/// A learner: registers for `course` signed in as `sub` (the course page's form),
/// and the organiser approves. Returns the registration id.
pub(crate) async fn enrol(app: &Router, sub: &str, unit: &str, region: &str, name: &str, course: &str) -> String {
    let learner = token(sub, Role::Filler, Some(unit), None);
    // The course page is static and its form carries no anti-forgery token: the
    // browser's word that it is this site's own page keeps the session.
    let form = format!(
        "course={course}&name={name}&organisation={unit}%E7%A0%94%E7%A9%B6%E6%89%80&position=%E7%A0%94%E7%A9%B6%E5%91%98\
         &phone=18620680001&email={sub}%40example.org&region={region}&consent=on"
    );
    let req = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/web/act/registrations")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .header("cookie", format!("gazette_session={learner}"))
        // What a browser sends with a form of the site's own course page.
        .header("sec-fetch-site", "same-origin")
        .body(axum::body::Body::from(form))
        .unwrap();
    let reply = send(app, req).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.bytes));
    let organiser = token("org", Role::Organiser, None, None);
    let list = call(app, Method::GET, &format!("/registrations?course={course}"), &organiser, None).await.json();
    let id = list["registrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["email"] == format!("{sub}@example.org"))
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .expect("the registration is listed");
    let approved = call(app, Method::POST, &format!("/registrations/{id}/approve"), &organiser, None).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", String::from_utf8_lossy(&approved.bytes));
    id
}

pub(crate) fn lesson_uri(lesson: &str, step: &str) -> String {
    format!("/learning/courses/{ONLINE}/lessons/{lesson}/{step}")
}

async fn my_course(app: &Router, learner: &str, course: &str) -> Value {
    let mine = call(app, Method::GET, "/learning/courses", learner, None).await.json();
    mine["courses"].as_array().unwrap().iter().find(|c| c["course"] == course).cloned().expect("course listed")
}

pub async fn a_learner_finishes_an_online_course_and_earns_its_hours(store: SharedStore) {
    let clock = TestClock::at("2026-12-02T01:00:00Z");
    let app = app(store, &clock);
    enrol(&app, "zhang", "lab-1", "hebei", "%E5%BC%A0%E4%B8%89", ONLINE).await;
    let learner = token("zhang", Role::Filler, Some("lab-1"), None);

    let course = my_course(&app, &learner, ONLINE).await;
    assert_eq!(course["status"], "not_started");
    assert_eq!(course["status_label"], "未学习");

    // The page's first report starts the lesson; 30 s later it reports 30 s, 25 visible.
    let started = call(&app, Method::POST, &lesson_uri("one", "progress"), &learner, None).await;
    assert_eq!(started.status, StatusCode::OK, "{}", String::from_utf8_lossy(&started.bytes));
    assert_eq!(started.json()["status"], "in_progress");
    clock.advance(30);
    let reported = call(
        &app,
        Method::POST,
        &lesson_uri("one", "progress"),
        &learner,
        Some(json!({"study_secs": 30, "effective_secs": 25})),
    )
    .await;
    assert_eq!(reported.status, StatusCode::OK);
    assert_eq!(reported.json()["effective"], "00:00:25");

    // More time than has passed since the lesson began is refused, naming the field.
    let too_much = call(
        &app,
        Method::POST,
        &lesson_uri("one", "progress"),
        &learner,
        Some(json!({"study_secs": 60, "effective_secs": 60})),
    )
    .await;
    assert_eq!(too_much.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_much.json()["fields"]["study_secs"].as_str().unwrap().contains("超过"), "{}", too_much.json());
    // Visible longer than open: the other field of the kind.
    let visible = call(
        &app,
        Method::POST,
        &lesson_uri("one", "progress"),
        &learner,
        Some(json!({"study_secs": 1, "effective_secs": 2})),
    )
    .await;
    assert_eq!(visible.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(visible.json()["fields"]["effective_secs"].is_string());
    let not_a_number =
        call(&app, Method::POST, &lesson_uri("one", "progress"), &learner, Some(json!({"study_secs": "abc"}))).await;
    assert_eq!(not_a_number.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(not_a_number.json()["fields"]["study_secs"].is_string());
    assert_eq!(my_course(&app, &learner, ONLINE).await["effective"], "00:00:25", "nothing refused was kept");

    let no_lesson = call(&app, Method::POST, &lesson_uri("three", "finish"), &learner, None).await;
    assert_eq!(no_lesson.status, StatusCode::NOT_FOUND);

    clock.advance(10);
    let first = call(&app, Method::POST, &lesson_uri("one", "finish"), &learner, None).await.json();
    assert_eq!(first["status"], "in_progress", "one lesson of two");
    assert_eq!(first["hours"], 0.0);
    clock.advance(60);
    let done = call(
        &app,
        Method::POST,
        &lesson_uri("two", "finish"),
        &learner,
        Some(json!({"study_secs": 0, "effective_secs": 0})),
    )
    .await
    .json();
    assert_eq!(done["status"], "completed");
    assert_eq!(done["status_label"], "已完成");
    assert_eq!(done["hours"], 2.0);
    assert_eq!(done["study"], "00:00:30");
    assert_eq!(done["started_at"], "2026-12-02T01:00:00Z");
    assert_eq!(done["finished_at"], "2026-12-02T01:01:40Z");

    // The growth record counts the course as online and required hours of 2026.
    let growth = call(&app, Method::GET, "/learning/growth/2026", &learner, None).await.json();
    assert_eq!(growth["online_hours"], 2.0);
    assert_eq!(growth["required_hours"], 2.0);
    assert_eq!(growth["offline_hours"], 0.0);
    assert_eq!(growth["online_met"], true);
    assert_eq!(growth["total_met"], false);
    let other_year = call(&app, Method::GET, "/learning/growth/2027", &learner, None).await.json();
    assert_eq!(other_year["total_hours"], 0.0);
    let bad_year = call(&app, Method::GET, "/learning/growth/20x6", &learner, None).await;
    assert_eq!(bad_year.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_year.json()["fields"]["year"].is_string());
}

pub async fn only_an_approved_registrant_studies(store: SharedStore) {
    let clock = TestClock::at("2026-12-02T01:00:00Z");
    let app = app(store, &clock);
    let stranger = token("li", Role::Filler, Some("lab-2"), None);
    let refused = call(&app, Method::POST, &lesson_uri("one", "progress"), &stranger, None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        call(&app, Method::GET, "/learning/courses", &stranger, None).await.json()["courses"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let anonymous = send(&app, request(Method::POST, &lesson_uri("one", "progress"), None, None)).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

pub async fn the_organiser_records_attendance_at_an_offline_course(store: SharedStore) {
    let clock = TestClock::at("2027-04-23T09:00:00Z");
    let app = app(store, &clock);
    let wang = enrol(&app, "wang", "lab-1", "hebei", "%E7%8E%8B%E4%BA%94", OFFLINE).await;
    let zhao = enrol(&app, "zhao", "lab-2", "beijing", "%E8%B5%B5%E5%85%AD", OFFLINE).await;
    let organiser = token("org-ncste", Role::Organiser, Some("ncste"), None);
    let uri = format!("/learning/courses/{OFFLINE}/attendance");

    let list = call(&app, Method::GET, &uri, &organiser, None).await.json();
    assert_eq!(list["learners"].as_array().unwrap().len(), 2);
    let saved = call(&app, Method::POST, &uri, &organiser, Some(json!({"completed": [wang]}))).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", String::from_utf8_lossy(&saved.bytes));
    let wang_course = my_course(&app, &token("wang", Role::Filler, Some("lab-1"), None), OFFLINE).await;
    assert_eq!(wang_course["status"], "completed");
    assert_eq!(wang_course["hours"], 32.0);
    let zhao_course = my_course(&app, &token("zhao", Role::Filler, Some("lab-2"), None), OFFLINE).await;
    assert_eq!(zhao_course["status"], "not_started");
    let growth = call(&app, Method::GET, "/learning/growth/2027", &token("wang", Role::Filler, None, None), None).await;
    assert_eq!(growth.json()["offline_hours"], 32.0);

    // Un-ticked: back to 未学习, the hours withdrawn.
    call(&app, Method::POST, &uri, &organiser, Some(json!({"completed": []}))).await;
    let wang_course = my_course(&app, &token("wang", Role::Filler, Some("lab-1"), None), OFFLINE).await;
    assert_eq!(wang_course["status"], "not_started");
    assert_eq!(wang_course["hours"], 0.0);

    // Someone not registered cannot be ticked; nothing is written.
    let unknown = call(&app, Method::POST, &uri, &organiser, Some(json!({"completed": [zhao, "01NOBODY"]}))).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.json()["fields"]["completed"].is_string());
    let zhao_course = my_course(&app, &token("zhao", Role::Filler, Some("lab-2"), None), OFFLINE).await;
    assert_eq!(zhao_course["status"], "not_started");

    // Another unit's organiser, a unit admin and a learner may not; an online course takes none.
    for other in [
        token("org-cas", Role::Organiser, Some("cas-bureau"), None),
        token("ua", Role::UnitAdmin, Some("lab-1"), None),
        token("wang", Role::Filler, Some("lab-1"), None),
    ] {
        assert_eq!(call(&app, Method::GET, &uri, &other, None).await.status, StatusCode::FORBIDDEN);
        let post = call(&app, Method::POST, &uri, &other, Some(json!({"completed": [wang]}))).await;
        assert_eq!(post.status, StatusCode::FORBIDDEN);
    }
    let online = format!("/learning/courses/{ONLINE}/attendance");
    let refused = call(&app, Method::POST, &online, &organiser, Some(json!({"completed": []}))).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
}

/// The accounts (姓名 column) of the statistics `token` sees for `query`.
async fn names(app: &Router, token: &str, query: &str) -> Vec<String> {
    let reply = call(app, Method::GET, &format!("/learning/statistics?{query}"), token, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.bytes));
    let mut names: Vec<String> = reply.json()["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("{}/{}", r["name"].as_str().unwrap(), r["course"].as_str().unwrap()))
        .collect();
    names.sort();
    names
}

pub async fn statistics_follow_each_roles_scope_and_filters(store: SharedStore) {
    let clock = TestClock::at("2026-12-02T01:00:00Z");
    let app = app(store, &clock);
    // 张三 (lab-1, hebei) studies online; 李四 (lab-2, beijing) has not begun;
    // 王五 (lab-1, hebei) registered for the other organiser's course.
    enrol(&app, "zhang", "lab-1", "hebei", "%E5%BC%A0%E4%B8%89", ONLINE).await;
    enrol(&app, "li", "lab-2", "beijing", "%E6%9D%8E%E5%9B%9B", ONLINE).await;
    enrol(&app, "wang", "lab-1", "hebei", "%E7%8E%8B%E4%BA%94", OTHER).await;
    let zhang = token("zhang", Role::Filler, Some("lab-1"), None);
    call(&app, Method::POST, &lesson_uri("one", "progress"), &zhang, None).await;
    clock.advance(30);
    call(
        &app,
        Method::POST,
        &lesson_uri("one", "finish"),
        &zhang,
        Some(json!({"study_secs": 30, "effective_secs": 30})),
    )
    .await;

    let national = token("n", Role::NationalAdmin, None, None);
    assert_eq!(
        names(&app, &national, "").await,
        [format!("张三/{ONLINE}"), format!("李四/{ONLINE}"), format!("王五/{OTHER}")]
    );
    let organiser = token("o", Role::Organiser, Some("ncste"), None);
    assert_eq!(names(&app, &organiser, "").await, [format!("张三/{ONLINE}"), format!("李四/{ONLINE}")]);
    let other_organiser = token("o2", Role::Organiser, Some("cas-bureau"), None);
    assert_eq!(names(&app, &other_organiser, "").await, [format!("王五/{OTHER}")]);
    let hebei = token("r", Role::RegionalAdmin, None, Some("hebei"));
    assert_eq!(names(&app, &hebei, "").await, [format!("张三/{ONLINE}"), format!("王五/{OTHER}")]);
    let lab2 = token("u", Role::UnitAdmin, Some("lab-2"), None);
    assert_eq!(names(&app, &lab2, "").await, [format!("李四/{ONLINE}")]);
    for refused in [
        token("f", Role::Filler, Some("lab-1"), None),
        token("r2", Role::RegionalAdmin, None, None),
        token("u2", Role::UnitAdmin, None, None),
    ] {
        let reply = call(&app, Method::GET, "/learning/statistics", &refused, None).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        let export = call(&app, Method::GET, "/learning/statistics.xlsx", &refused, None).await;
        assert_eq!(export.status, StatusCode::FORBIDDEN);
    }

    // Filters: status, name, attribute, the start date (Beijing), the course date.
    assert_eq!(names(&app, &national, "status=in_progress").await, [format!("张三/{ONLINE}")]);
    assert_eq!(names(&app, &national, "status=not_started").await.len(), 2);
    assert_eq!(names(&app, &national, "name=%E6%9D%8E").await, [format!("李四/{ONLINE}")]);
    assert_eq!(names(&app, &national, "attribute=elective").await, [format!("王五/{OTHER}")]);
    assert_eq!(
        names(&app, &national, "started_from=2026-12-02&started_to=2026-12-02").await,
        [format!("张三/{ONLINE}")]
    );
    assert!(names(&app, &national, "started_from=2026-12-03").await.is_empty());
    assert_eq!(names(&app, &national, "course_from=2026-11-01&course_to=2026-12-31").await.len(), 2);
    assert_eq!(names(&app, &national, &format!("course={OTHER}")).await, [format!("王五/{OTHER}")]);
    let bad =
        call(&app, Method::GET, "/learning/statistics?started_from=2026-13-01&status=done", &national, None).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = &bad.json()["fields"];
    assert!(fields["started_from"].is_string() && fields["status"].is_string(), "{fields}");
    let backwards = call(
        &app,
        Method::GET,
        "/learning/statistics?finished_from=2026-12-02&finished_to=2026-12-01",
        &national,
        None,
    )
    .await;
    assert!(backwards.json()["fields"]["finished_to"].is_string());

    // The row as the sample table has it: Beijing time, hh:mm:ss.
    let rows = call(&app, Method::GET, "/learning/statistics?status=in_progress", &national, None).await.json();
    assert_eq!(
        rows["rows"][0]["cells"],
        json!([
            "zhang",
            "张三",
            "",
            "lab-1研究所",
            "科技成果评价改革政策解读",
            "课堂管理后台",
            "必修",
            "2026-12-02 09:00:00",
            "",
            "00:00:30",
            "00:00:30",
            "学习中"
        ])
    );

    // The export: exactly the sample's columns, the same rows.
    let export = call(&app, Method::GET, "/learning/statistics.xlsx?status=in_progress", &national, None).await;
    assert_eq!(export.status, StatusCode::OK);
    let sheet = read_sheet(&export.bytes);
    assert_eq!(
        sheet[0],
        [
            "账号",
            "姓名",
            "别名",
            "部门",
            "开课主题",
            "来源",
            "属性",
            "开始学习时间",
            "完成学习时间",
            "学习时长",
            "有效时长",
            "状态"
        ]
    );
    assert_eq!(sheet.len(), 2);
    assert_eq!(sheet[1][7], "2026-12-02 09:00:00");
    assert_eq!(sheet[1][11], "学习中");
}

pub async fn the_year_summary_counts_each_units_hours(store: SharedStore) {
    let clock = TestClock::at("2026-12-02T01:00:00Z");
    let app = app(store, &clock);
    enrol(&app, "zhang", "lab-1", "hebei", "%E5%BC%A0%E4%B8%89", ONLINE).await;
    let zhang = token("zhang", Role::Filler, Some("lab-1"), None);
    for lesson in ["one", "two"] {
        call(&app, Method::POST, &lesson_uri(lesson, "finish"), &zhang, None).await;
    }
    let national = token("n", Role::NationalAdmin, None, None);
    let summary = call(&app, Method::GET, "/learning/year-summary.xlsx?year=2026", &national, None).await;
    assert_eq!(summary.status, StatusCode::OK);
    let sheet = read_sheet(&summary.bytes);
    assert_eq!(sheet[0][0], "单位");
    assert_eq!(sheet[1], ["lab-1", "1", "1", "2", "0", "2", "0", "2", "0"]);
    let empty =
        read_sheet(&call(&app, Method::GET, "/learning/year-summary.xlsx?year=2025", &national, None).await.bytes);
    assert_eq!(empty.len(), 1, "headers only");
}

/// The first sheet's cells (shared strings), row by row.
pub fn read_sheet(xlsx: &[u8]) -> Vec<Vec<String>> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("an xlsx is a zip");
    let mut text = |name: &str| {
        let mut s = String::new();
        zip.by_name(name).expect(name).read_to_string(&mut s).unwrap();
        s
    };
    let shared = text("xl/sharedStrings.xml");
    let sheet = text("xl/worksheets/sheet1.xml");
    let strings: Vec<String> = shared
        .split("<si>")
        .skip(1)
        .map(|si| {
            let t = si.split("<t").nth(1).unwrap_or("");
            let t = &t[t.find('>').map_or(0, |i| i + 1)..];
            let t = &t[..t.find("</t>").unwrap_or(t.len())];
            t.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
        })
        .collect();
    sheet
        .split("<row ")
        .skip(1)
        .map(|row| {
            let mut cells = Vec::new();
            for cell in row.split("<c ").skip(1) {
                let column: String =
                    cell.split("r=\"").nth(1).unwrap_or("").chars().take_while(|c| c.is_ascii_uppercase()).collect();
                let index = column.bytes().fold(0usize, |n, b| n * 26 + (b - b'A' + 1) as usize) - 1;
                while cells.len() < index {
                    cells.push(String::new());
                }
                let value = cell.split("<v>").nth(1).and_then(|v| v.split("</v>").next()).unwrap_or("");
                cells.push(value.parse::<usize>().ok().and_then(|i| strings.get(i).cloned()).unwrap_or_default());
            }
            cells
        })
        .collect()
}

/// A page under `/web` as the visitor of `token` sees it: status and text.
async fn page(app: &Router, uri: &str, token: &str) -> (StatusCode, String) {
    let req = axum::http::Request::builder()
        .uri(uri)
        .header("cookie", format!("gazette_session={token}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let reply = send(app, req).await;
    (reply.status, String::from_utf8_lossy(&reply.bytes).into_owned())
}

pub async fn the_learning_pages_draw_what_the_api_answers(store: SharedStore) {
    let clock = TestClock::at("2026-12-02T01:00:00Z");
    let app = app(store, &clock);
    enrol(&app, "zhang", "lab-1", "hebei", "%E5%BC%A0%E4%B8%89", ONLINE).await;
    let zhang = token("zhang", Role::Filler, Some("lab-1"), None);
    call(&app, Method::POST, &lesson_uri("one", "finish"), &zhang, None).await;

    let (status, html) = page(&app, "/web/my-courses", &zhang).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("科技成果评价改革政策解读") && html.contains("学习中") && html.contains("0 / 2"), "{html}");
    let (status, html) = page(&app, &format!("/web/my-courses/{ONLINE}"), &zhang).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("已学完") && html.contains(&format!("/act/learning/courses/{ONLINE}/lessons/two/finish")),
        "{html}"
    );
    let (status, html) = page(&app, "/web/", &zhang).await;
    assert_eq!(status, StatusCode::OK);
    let module = html.split("<h2>我的课程</h2>").nth(1).unwrap_or_default();
    assert!(module.contains("科技成果评价改革政策解读") && module.contains("学习中"), "the desk module: {html}");
    let (status, html) = page(&app, "/web/growth?year=2026", &zhang).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("不少于 30 学时"), "the configured target: {html}");

    let national = token("n", Role::NationalAdmin, None, None);
    let (status, html) = page(&app, "/web/learning/statistics?status=in_progress&name=%E5%BC%A0", &national).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("共 1 条") && html.contains("2026-12-02 09:00:00"), "{html}");
    let (status, html) = page(&app, "/web/learning/statistics?started_from=2026-02-30", &national).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("日期应写作") && html.contains("href=\"#f-started_from\""), "{html}");
    let (status, _) = page(&app, "/web/learning/statistics", &zhang).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a learner sees no statistics");
    let organiser = token("o", Role::Organiser, Some("ncste"), None);
    let (status, html) = page(&app, &format!("/web/learning/attendance/{OFFLINE}"), &organiser).await;
    assert_eq!(status, StatusCode::OK, "{html}");
}

/// The record names the learner as their account does (姓名) and their department
/// as the directory names the account's unit (部门), whatever the registration form
/// had typed.
pub async fn a_record_takes_the_name_and_department_from_the_account_and_the_directory(store: SharedStore) {
    use gazette_core::accounts::{Accounts, Grant, NewAccount, Scope, StoreAccounts};
    use gazette_core::directory::Directory;
    let clock = TestClock::at("2026-12-02T01:00:00Z");
    let directory = Directory::new(store.clone());
    directory.add_unit(&Directory::check_unit("lab-9", "河北省农林科学院", "hebei-kjt").unwrap()).await.unwrap();
    directory.approve_unit("lab-9").await.unwrap();
    let new = NewAccount {
        username: "wang.wu".into(),
        name: "王五".into(),
        email: Some("wang.wu@example.cn".into()),
        phone: None,
        grants: vec![Grant::new(Role::Registrant, Some("lab-9"), None)],
        steward: Scope::Region("hebei".into()),
        pending: false,
    };
    StoreAccounts::new(store.clone()).create("root", new).await.unwrap();
    let app = app(store, &clock);
    // The form typed another name (张三) and organisation (lab-9研究所).
    enrol(&app, "wang.wu", "lab-9", "hebei", "%E5%BC%A0%E4%B8%89", ONLINE).await;
    let learner = token("wang.wu", Role::Filler, Some("lab-9"), None);
    let started = call(&app, Method::POST, &lesson_uri("one", "progress"), &learner, None).await;
    assert_eq!(started.status, StatusCode::OK, "{}", String::from_utf8_lossy(&started.bytes));
    let national = token("n", Role::NationalAdmin, None, None);
    let rows = call(&app, Method::GET, "/learning/statistics?status=in_progress", &national, None).await.json();
    let row = rows["rows"].as_array().unwrap().iter().find(|r| r["account"] == "wang.wu").cloned().expect("listed");
    assert_eq!((row["name"].as_str(), row["department"].as_str()), (Some("王五"), Some("河北省农林科学院")), "{row}");
}

/// The lesson page is static and carries no anti-forgery token: its script's post
/// counts for the signed-in learner when the browser says it came from this site's
/// pages, and is refused when it says another site, or says nothing.
#[tokio::test]
async fn a_lesson_report_without_a_token_counts_only_from_the_sites_own_pages() {
    let (store, _guard) = crate::support::embedded();
    let clock = TestClock::at("2026-12-02T01:00:00Z");
    let app = app(store, &clock);
    enrol(&app, "zhao", "lab-1", "hebei", "%E8%B5%B5%E5%85%AD", ONLINE).await;
    let learner = token("zhao", Role::Filler, Some("lab-1"), None);
    let report = |says: Option<(&'static str, &'static str)>| {
        let mut b = axum::http::Request::builder()
            .method(Method::POST)
            .uri(format!("/web/act{}", lesson_uri("one", "progress")))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .header("cookie", format!("gazette_session={learner}"));
        if let Some((name, value)) = says {
            b = b.header(name, value);
        }
        b.body(axum::body::Body::from("study_secs=0&effective_secs=0")).unwrap()
    };
    assert_eq!(send(&app, report(None)).await.status, StatusCode::FORBIDDEN, "says nothing");
    assert_eq!(send(&app, report(Some(("sec-fetch-site", "cross-site")))).await.status, StatusCode::FORBIDDEN);
    assert_eq!(send(&app, report(Some(("origin", "http://127.0.0.1:9")))).await.status, StatusCode::FORBIDDEN);
    assert_eq!(my_course(&app, &learner, ONLINE).await["status"], "not_started", "nothing counted");
    let own = send(&app, report(Some(("sec-fetch-site", "same-origin")))).await;
    assert_eq!(own.status, StatusCode::OK, "{}", String::from_utf8_lossy(&own.bytes));
    assert_eq!(my_course(&app, &learner, ONLINE).await["status"], "in_progress");
}

on_both_stores!(
    a_record_takes_the_name_and_department_from_the_account_and_the_directory,
    a_learner_finishes_an_online_course_and_earns_its_hours,
    only_an_approved_registrant_studies,
    the_organiser_records_attendance_at_an_offline_course,
    statistics_follow_each_roles_scope_and_filters,
    the_year_summary_counts_each_units_hours,
    the_learning_pages_draw_what_the_api_answers,
);
