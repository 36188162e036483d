//! Local-policy pages (地方政策, seed 000 四、2): the typical case's pages over
//! [`PolicyUpload`], at `/local-policies`: list, upload, one policy with its review.

use serde_json::{Value, json};

use super::PolicyUpload;
use crate::http::Lang;
use crate::web::PageRoute;
use crate::web::WebState;
use crate::web::desk::{Queue, Task};
use crate::web::form_route::FormRoute;
use crate::web::session::Visitor;
use crate::workflows::Level;
use crate::workflows::typical_case::pages::{UploadPages, UploadPaths, upload_form_routes, upload_pages, upload_queue};

impl UploadPages for PolicyUpload {
    const PAGES: UploadPaths = UploadPaths {
        list: "/local-policies",
        new: "/local-policies/new",
        one: "/local-policies/{id}",
        file: "/local-policies/{id}/file",
        act: [
            "/act/local-policies",
            "/act/local-policies/{id}/resubmit",
            "/act/local-policies/{id}/approve",
            "/act/local-policies/{id}/return",
        ],
        next: [
            "/local-policies/{id}?done=uploaded",
            "/local-policies/{id}?done=resubmitted",
            "/local-policies/{id}?done=approved",
            "/local-policies/{id}?done=returned",
        ],
        form: crate::validation::POLICY_UPLOAD,
        name: "地方政策",
        thing: "文件",
        title: "文件标题",
        upload: "上传地方政策",
        lead: "地方管理员上传本地区的政策文件，国家级管理员审核；审核通过的文件导出后在网站“政策文件”栏目发布。",
        columns: ["发文机关", "发文字号"],
        approve_intro: "文件内容无误的，审核通过后即可导出为网站内容发布。",
        reviewer: "国家级管理员",
        only_provinces: "只有地方（省级）管理员可以上传本地区的政策文件。",
        queue: ("地方政策：待审核", "没有待审核的地方政策。", "地方政策：退回修改", "没有退回修改的地方政策。"),
    };

    fn columns(&self, _lang: Lang) -> [String; 2] {
        [self.issuers.join("、"), self.doc_number.clone().unwrap_or_default()]
    }

    fn new_values(_region: &str) -> Value {
        json!({})
    }

    fn detail(&self, lang: Lang) -> String {
        [crate::validation::case_label("region", &self.region, lang), self.issuers.join("、")].join(" · ")
    }
}

pub fn pages() -> Vec<PageRoute> {
    upload_pages::<PolicyUpload>()
}

pub fn form_routes() -> Vec<FormRoute> {
    upload_form_routes::<PolicyUpload>()
}

/// Policies to review (the nation) or to correct (their province).
pub async fn queue(web: &WebState, visitor: &Visitor) -> Vec<Queue> {
    upload_queue::<PolicyUpload>(web, visitor).await
}

/// The home page's task, for the provinces and the nation.
pub fn task(visitor: &Visitor) -> Option<Task> {
    let actor = visitor.caller().and_then(|c| c.case_actor(visitor.lang)).ok()?;
    matches!(actor.level, Level::National | Level::Province { .. })
        .then(|| Task::new("地方政策", "/local-policies", "上传本地区政策文件，审核与进度"))
}
