//! Loading `content/` into a [`Library`]: the one store of pages every later stage
//! reads from.

mod doc_number;
mod front_matter;
mod lesson;
mod library;
mod page;

pub use crate::markdown::Rendered;
pub use doc_number::DocNumber;
pub use lesson::{Lesson, lesson_body, parse_duration};
pub use library::{CONTENT_DIR, Library, load_page};
pub use page::{
    Attachment, COURSE_KINDS, CaseMeta, Contact, CourseMeta, DISCLOSURES, Kind, MODES, Meta, NoticeMeta,
    POLICY_STATUSES, Page, PolicyMeta, TIERS,
};
