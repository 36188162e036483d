//! The statistics at scale, run on demand (ignored by default):
//!
//! ```text
//! cargo test -p gazette-core --release --test it learning_bench -- --ignored --nocapture --test-threads 1
//! ```
//!
//! 10,000 learners and 100 courses: each learner registered for 3 courses (30,000
//! approved registrations), two thirds of which have a learning record (20,000). On
//! the embedded store and on moto's DynamoDB it times the national administrator's
//! statistics query (every row), one course's query, a region's, and the export
//! of every row to xlsx, and prints the process's resident memory before and its
//! peak after. Bulk loading writes the items as the workflows store them.

use std::time::Instant;

use gazette_core::store::{SharedStore, Write};
use gazette_core::workflows::learning::{
    Learner, LearningRecord, LearningStatus, StatsFilter, StatsRow, StatsScope, statistics,
};
use gazette_core::workflows::{
    Course, CourseCatalog, Learning, Registration, RegistrationStatus, Registrations, Study, StudyMode,
};
use jiff::Timestamp;

const LEARNERS: usize = 10_000;
const COURSES: usize = 100;
const PER_LEARNER: usize = 3;
const REGIONS: [&str; 4] = ["hebei", "beijing", "shanxi", "jiangsu"];

fn catalog() -> CourseCatalog {
    CourseCatalog::new((0..COURSES).map(|c| Course {
        slug: format!("course-{c:03}"),
        title: format!("案例{c}：科研项目验收备案试点"),
        capacity: None,
        opens: None,
        closes: None,
        study: Study { hours: 2.0, required: c % 3 == 0, mode: StudyMode::Online, ..Study::default() },
    }))
}

/// `/proc/self/status` field in kB (VmRSS now, VmHWM the peak).
fn memory_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field).and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok()))
        .unwrap_or(0)
}

async fn load(store: &SharedStore) {
    let at: Timestamp = "2026-11-02T01:00:00Z".parse().unwrap();
    let mut writes = Vec::new();
    let started = Instant::now();
    for learner in 0..LEARNERS {
        for k in 0..PER_LEARNER {
            let course = (learner * 7 + k * 31) % COURSES;
            let registration = Registration {
                id: format!("01R{learner:07}{k}"),
                course: format!("course-{course:03}"),
                name: format!("学员{learner}"),
                organisation: format!("单位{}", learner % 50),
                position: "研究员".into(),
                phone: "18620680001".into(),
                email: format!("l{learner}@example.org"),
                region: REGIONS[learner % REGIONS.len()].into(),
                status: RegistrationStatus::Approved,
                note: None,
                receipt: format!("R{learner:07}{k}"),
                account: Some(format!("learner-{learner}")),
                unit: Some(format!("unit-{}", learner % 50)),
                submitted_at: at,
                updated_at: at,
                version: 0,
            };
            writes.push(Write::Create(registration.to_item()));
            if k < 2 {
                let mut record = LearningRecord::not_started(&registration.course, &registration);
                record.learner = Learner { account: format!("learner-{learner}"), ..record.learner };
                record.status = if k == 0 { LearningStatus::Completed } else { LearningStatus::InProgress };
                record.started_at = Some(at);
                record.finished_at = (k == 0).then_some(at);
                record.study_secs = 1800;
                record.effective_secs = 1500;
                record.hours = if k == 0 { 2.0 } else { 0.0 };
                writes.push(Write::Create(record.to_item()));
            }
            if writes.len() >= 90 {
                store.transact(std::mem::take(&mut writes)).await.expect("bulk load");
            }
        }
    }
    if !writes.is_empty() {
        store.transact(writes).await.expect("bulk load");
    }
    println!(
        "  loaded {} registrations and their records in {:.1} s",
        LEARNERS * PER_LEARNER,
        started.elapsed().as_secs_f64()
    );
}

async fn measure(name: &str, store: SharedStore) {
    println!("{name}:");
    load(&store).await;
    let clock = gazette_core::workflows::system_clock();
    let registrations = Registrations::new(store.clone(), std::sync::Arc::new(catalog()), clock.clone());
    let learning = Learning::new(store, registrations, clock);
    let rss = memory_kb("VmRSS:");
    let started = Instant::now();
    let rows: Vec<StatsRow> = learning.statistics(&StatsScope::All, &StatsFilter::default()).await.unwrap();
    let query = started.elapsed();
    let started = Instant::now();
    let cells: Vec<Vec<String>> = rows.iter().map(|r| r.cells().to_vec()).collect();
    let bytes = gazette_core::http::export::table_xlsx("成员统计", &[], &statistics::HEADERS, &cells, &[]).unwrap();
    let export = started.elapsed();
    let peak = memory_kb("VmHWM:");
    assert_eq!(rows.len(), LEARNERS * PER_LEARNER);
    let one = StatsFilter { course: Some("course-042".into()), ..StatsFilter::default() };
    let started = Instant::now();
    let course_rows = learning.statistics(&StatsScope::All, &one).await.unwrap().len();
    let course_query = started.elapsed();
    let started = Instant::now();
    let region_rows =
        learning.statistics(&StatsScope::Region("hebei".into()), &StatsFilter::default()).await.unwrap().len();
    let region_query = started.elapsed();
    println!(
        "  all {} rows: query {:.2} s, xlsx export {:.2} s ({:.1} MB)",
        rows.len(),
        query.as_secs_f64(),
        export.as_secs_f64(),
        bytes.len() as f64 / 1e6
    );
    println!(
        "  one course ({course_rows} rows): {:.3} s; one region ({region_rows} rows): {:.2} s",
        course_query.as_secs_f64(),
        region_query.as_secs_f64()
    );
    println!(
        "  resident memory {:.0} MB before the query, peak {:.0} MB after the export",
        rss as f64 / 1024.0,
        peak as f64 / 1024.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run on demand (see the module's doc)"]
async fn statistics_of_10000_learners_and_100_courses() {
    // `LEARNING_BENCH_STORE=embedded` or `=dynamodb` runs one of the two.
    let only = std::env::var("LEARNING_BENCH_STORE").unwrap_or_default();
    if only != "dynamodb" {
        let (store, _guard) = crate::support::embedded();
        measure("embedded (redb)", store).await;
    }
    if only == "embedded" {
        return;
    }
    if let Some((store, _guard)) = crate::support::dynamo().await {
        measure("DynamoDB (moto)", store).await;
    }
}
