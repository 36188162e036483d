//! gazette's static site generator.
//!
//! Data flows one way, one stage feeding the next:
//! [`content::Library::load`] reads `content/` (parallel, every error collected),
//! [`check`] validates what spans pages (links, duplicates), [`render`] turns the
//! library into HTML with templates parsed once, and [`build`] writes the pages,
//! feeds and the search index. [`serve`] keeps the library in memory and repeats
//! only the stages a change touches.

pub mod build;
pub mod check;
pub mod config;
pub mod content;
pub mod error;
mod feeds;
mod i18n;
pub mod links;
mod markdown;
mod render;
pub mod scaffold;
pub mod serve;
mod text;

pub use build::{BuildReport, build_site};
pub use config::Config;
pub use error::{BuildError, ContentError};
