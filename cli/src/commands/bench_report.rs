//! `lookalike bench-report N` (hidden): writes an HTML report of N synthetic groups, with
//! thumbnails of photo-like size either in the sibling folder (what `scan --html` writes) or
//! embedded as `data:` URLs (`--embed`), and prints where. The ignored test
//! `report_opens_fast` in `cli/tests/review.rs` opens both in headless Chromium and times them
//! (README, "The HTML report").

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::args::BenchReportArgs;
use crate::image::thumbnail;
use crate::report::escape::base64;
use crate::report::html::{self, Thumbnails};
use crate::report::{Group, Report};
use crate::store::{Format, ImageFile, Picture, Stamp};

pub fn run(args: &BenchReportArgs) -> Result<()> {
    let page = match &args.out {
        Some(p) => p.clone(),
        None => std::env::temp_dir().join("lookalike-bench-report/report.html"),
    };
    if let Some(parent) = page.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let dir = thumbnail::thumbnails_folder(&page)?;
    let folder = dir
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let mut report = Report::default();
    let mut thumbnails: Thumbnails = Vec::with_capacity(args.groups);
    // A few hundred distinct thumbnails, reused: the page's cost, not the disk's, is measured.
    let samples: Vec<Vec<u8>> = (0..256).map(thumbnail::sample).collect();
    for (n, sample) in samples.iter().enumerate() {
        if !args.embed {
            std::fs::write(dir.join(format!("{n}.jpg")), sample)
                .with_context(|| format!("cannot write into {}", dir.display()))?;
        }
    }
    let members = args.members.max(2);
    for g in 0..args.groups {
        let mut group = Group {
            number: g + 1,
            members: Vec::with_capacity(members),
            similarity: vec![95.0; members],
            to_keeper: (0..members)
                .map(|i| (i > 0).then_some(99.0 - (g % 50) as f32 / 10.0))
                .collect(),
            look_to_keeper: vec![crate::report::Look::SAME; members],
            reference: vec![false; members],
        };
        let mut thumbs = Vec::with_capacity(members);
        for i in 0..members {
            group.members.push(ImageFile {
                path: PathBuf::from(format!("/photos/{:05}/IMG_{g:05}_{i}.jpg", g / 100)),
                stamp: Stamp {
                    size: 2_000_000 + (g * 7 + i) as u64,
                    mtime_ns: 1_700_000_000_000_000_000 + (g as i64) * 1_000_000_000,
                },
                picture: Picture {
                    width: 4000 - i as u32 * 1000,
                    height: 3000 - i as u32 * 750,
                    format: Format::Jpeg,
                },
            });
            let s = (g * members + i) % samples.len();
            thumbs.push(Some(if args.embed {
                format!("data:image/jpeg;base64,{}", base64(&samples[s]))
            } else {
                format!("{folder}/{s}.jpg")
            }));
        }
        report.groups.push(group);
        thumbnails.push(thumbs);
    }
    let text = html::render(&report, "lookalike: benchmark report", &thumbnails);
    std::fs::write(&page, &text)?;
    println!("{}", page.display());
    eprintln!(
        "{} groups, {} bytes of HTML ({})",
        args.groups,
        text.len(),
        if args.embed {
            "thumbnails embedded"
        } else {
            "thumbnails in the sibling folder"
        }
    );
    Ok(())
}
