//! Local-policy endpoints (地方政策, seed 000 四、2): the typical case's handlers over
//! [`PolicyUpload`], at `/local-policies`; the national administrator reviews.

use serde_json::{Value, json};

use super::PolicyUpload;
use crate::http::{ApiRoute, AppState, Lang};
use crate::validation::{self, Rejection, Uploads};
use crate::workflows::typical_case::RegionalUploads;
use crate::workflows::typical_case::api::{UploadEndpoints, UploadPaths, upload_routes};

impl UploadEndpoints for PolicyUpload {
    const ONLY_PROVINCES: (&'static str, &'static str) =
        ("只有地方管理员可以上传地方政策文件。", "Only regional administrators upload local policy documents.");

    fn service(state: &AppState) -> &RegionalUploads<Self> {
        &state.local_policies
    }

    /// The region is the uploader's own: the form does not ask for it.
    fn validate(body: &Value, lang: Lang, uploads: &Uploads, region: &str) -> Result<Self, Rejection> {
        validation::policy_upload(body, lang, uploads, region)
    }

    fn labels(&self, v: &mut Value, lang: Lang) {
        v["region_label"] = json!(validation::case_label("region", &self.region, lang));
    }
}

/// The local-policy endpoints; every one needs a token.
pub fn routes() -> Vec<ApiRoute> {
    upload_routes::<PolicyUpload>(&UploadPaths {
        base: "/local-policies",
        one: "/local-policies/{id}",
        download: "/local-policies/{id}/download",
        resubmit: "/local-policies/{id}/resubmit",
        approve: "/local-policies/{id}/approve",
        return_it: "/local-policies/{id}/return",
    })
}
