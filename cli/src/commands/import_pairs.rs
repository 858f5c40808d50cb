//! `lookalike db import-pairs FILE`: the pairs a query engine found (`scale/pairs.sql`) back
//! into the review workflow.
//!
//! Each pair's files are looked up in the database (or in the signatures tables given with
//! `--signatures`, and then the database is not read). The pair is scored again with
//! lookalike-core, upright as the query scores it; a similarity that differs from the file's by
//! more than [`AGREEMENT`] is named in a warning, since the table and the database then disagree,
//! and a pair whose own similarity is below the sensitivity's (`--sensitivity`, the scan's
//! default) is not reported at all: it would otherwise be proposed for removal on the strength of
//! a number lookalike does not find. Such pairs make the exit code 1.
//! Pairs remembered as not duplicates (`lookalike ignore`), two names of one file (as `scan`
//! drops them) and repeated rows are dropped, and the rest is reported exactly as `scan --all`
//! reports its pairs: [`Report::build_with`], then the table, JSON or HTML page.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::Result;
use lookalike_core::{Weights, compare_upright};

use crate::args::ImportPairsArgs;
use crate::commands::scan::{keep_rules, print_report, same_file, write_html};
use crate::exchange::{pairs, signatures};
use crate::report::{Look, Pair, Report};
use crate::store::{FileRecord, IgnoredPairs, Store};
use crate::{config, messages};

/// How far (in similarity points) the file's similarity may lie from lookalike's own: the query
/// computes in double precision what the CLI computes in `f32`.
const AGREEMENT: f64 = 0.01;

/// Warnings about disagreeing similarities printed before the rest are only counted.
const SHOWN_DISAGREEMENTS: usize = 5;

pub fn run(store: Option<&Store>, args: &ImportPairsArgs) -> Result<()> {
    let keep = keep_rules(&args.report.keep)?;
    let min_similarity = config::plain_sensitivity(args.sensitivity)?.min_similarity();
    let rows = pairs::read(&args.pairs)?;
    let mut tables: HashMap<PathBuf, FileRecord> = HashMap::new();
    for table in &args.signatures {
        for (file, signature) in signatures::read(table)? {
            // A table holds no probe (the SQL engine compares signatures as they are); the
            // signature stands in for it, which adds nothing to a comparison, and no side probe.
            let record = FileRecord {
                file,
                pending: false,
                signature,
                probe: signature,
                sides: Vec::new(),
            };
            tables.insert(record.file.path.clone(), record);
        }
    }
    let ignored = match store {
        Some(store) => store.ignored_set()?,
        None => IgnoredPairs::default(),
    };
    let mut records: HashMap<PathBuf, Option<FileRecord>> = HashMap::new();
    let mut lookup = |path: &Path| -> Result<Option<FileRecord>> {
        if let Some(known) = records.get(path) {
            return Ok(known.clone());
        }
        let record = match store {
            Some(store) => store.get(path)?,
            None => tables.get(path).cloned(),
        };
        if record.is_none() {
            messages::file_error(
                path,
                match store {
                    Some(_) => {
                        "not in the database; its pairs are skipped (export and import with the same --db, or give --signatures)"
                    }
                    None => "in none of the --signatures tables; its pairs are skipped",
                },
            );
        }
        records.insert(path.to_path_buf(), record.clone());
        Ok(record)
    };
    let (mut found, mut disagreeing, mut dropped, mut below) = (Vec::new(), 0usize, 0usize, 0usize);
    // A pair given twice (in either order) is reported once.
    let mut seen: HashSet<(PathBuf, PathBuf)> = HashSet::new();
    for row in &rows {
        let (Some(a), Some(b)) = (lookup(&row.a)?, lookup(&row.b)?) else {
            continue;
        };
        let key = if row.a < row.b {
            (row.a.clone(), row.b.clone())
        } else {
            (row.b.clone(), row.a.clone())
        };
        if a.file.path == b.file.path
            || !seen.insert(key)
            || ignored.contains(&a.file.path, &b.file.path)
            || same_file(&a.file.path, &b.file.path)
        {
            dropped += 1;
            continue;
        }
        let ours = compare_upright(&a.signature, &b.signature, Weights::Scanned);
        if (f64::from(ours.similarity) - row.similarity).abs() > AGREEMENT {
            disagreeing += 1;
            if disagreeing <= SHOWN_DISAGREEMENTS {
                messages::warning(format!(
                    "{} and {}: similarity {:.3} in {}, {:.3} from the database's signatures",
                    messages::shown(&a.file.path),
                    messages::shown(&b.file.path),
                    row.similarity,
                    messages::shown(&args.pairs),
                    ours.similarity
                ));
            }
        }
        if ours.similarity < min_similarity {
            below += 1;
            continue;
        }
        found.push(Pair {
            a: a.file,
            b: b.file,
            similarity: ours.similarity,
            score: ours.score,
            look: Look {
                turn: ours.orientation,
                framing: ours.framing,
            },
        });
    }
    if disagreeing > SHOWN_DISAGREEMENTS {
        messages::warning(format!(
            "{} more pairs whose similarity differs from the database's",
            disagreeing - SHOWN_DISAGREEMENTS
        ));
    }
    if below > 0 {
        messages::file_error(
            &args.pairs,
            format!(
                "{below} pairs are below similarity {min_similarity} by the database's signatures \
                 and are not reported (was the query run on another export, or with a lower \
                 min_similarity than --sensitivity gives?)"
            ),
        );
    }
    let aspect = |path: &Path| -> Option<f32> {
        records
            .get(path)
            .and_then(|r| r.as_ref())
            .map(|r| r.signature.aspect_ratio())
    };
    // The engine's pairs are all there is: a member whose pair with its keeper is not among them
    // joined its group through others.
    let report = Report::build_with(found, &keep, &aspect, &|_, _| None);
    print_report(&report, &args.report)?;
    if let Some(path) = &args.report.html {
        write_html(&report, path)?;
    }
    messages::info(format!(
        "{} pairs read from {}: {} similar pairs in {} groups; {dropped} dropped (ignored, one \
         file, or given twice), {below} below the threshold, {disagreeing} with another \
         similarity than lookalike's",
        rows.len(),
        messages::shown(&args.pairs),
        report.matches.len(),
        report.groups.len(),
    ));
    Ok(())
}
