//! Loading `content/` into a [`Library`]: the one store of pages every later stage
//! reads from.

mod doc_number;
mod front_matter;
mod library;
mod page;

pub use doc_number::DocNumber;
pub use library::{load_page, Library, CONTENT_DIR};
pub use page::{
    Attachment, CaseMeta, Contact, CourseMeta, Kind, Meta, NoticeMeta, Page, PolicyMeta, COURSE_KINDS, DISCLOSURES,
    MODES, POLICY_STATUSES, TIERS,
};
