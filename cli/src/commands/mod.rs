//! One module per subcommand: each turns its arguments into work for the image side
//! ([`crate::image`]), the video side ([`crate::video`]), the store and the reports, and
//! returns `anyhow::Result` (per-file failures are printed by [`crate::messages`] and only change
//! the exit code).

pub mod apply;
pub mod bench;
pub mod bench_report;
pub mod bench_videos;
pub mod db;
pub mod hash;
pub mod ignore;
pub mod import_pairs;
pub mod plan;
pub mod query;
pub mod scan;
pub mod videos;
