//! `lookalike apply PLAN`: carries out a plan file ([`super::plan`]).
//!
//! 1. Parse and resolve the plan; check every file it names against its `size` and `mtime_ms`.
//!    If any file is missing or changed since the plan was made, nothing is done: each one is
//!    listed and the command fails (exit 2).
//! 2. `remove`: the file is moved to the system trash, or with `--to DIR` into DIR
//!    ([`Bin`]); never deleted. Its index record is dropped (trash) or follows it (`--to`).
//! 3. `not_duplicate`: the pairs between that file and every other member of its group are
//!    remembered in the database; scans never report them again (`lookalike ignore`).
//! 4. `keep`: nothing.
//!
//! One line per file on standard output (`trash`, `moved`, `not a duplicate`, `keep`), then a
//! summary; `--dry-run` prints the same lines with `would` and changes nothing.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use super::plan::{Decision, Plan, Resolved};
use crate::args::ApplyArgs;
use crate::config::Config;
use crate::image::trash::Bin;
use crate::messages;
use crate::report::html::mtime_ms;
use crate::store::{Stamp, Store};

pub fn run(config: &Config, args: &ApplyArgs) -> Result<()> {
    let plan = Plan::load(&args.plan)?;
    let base = match &args.base {
        Some(dir) => Some(std::path::absolute(dir)?),
        None => None,
    };
    let mut groups = plan.resolve(base.as_deref())?;

    // 1. Every file as the plan saw it, or nothing is done.
    let given: Vec<PathBuf> = groups.iter().flatten().map(|m| m.path.clone()).collect();
    let mut changed = Vec::new();
    for m in groups.iter_mut().flatten() {
        match std::fs::metadata(&m.path) {
            Ok(meta) if meta.is_file() => {
                let stamp = Stamp::of(&meta);
                if stamp.size != m.size || mtime_ms(stamp.mtime_ns) != m.mtime_ms {
                    changed.push(format!(
                        "{}: changed since the plan was made (size {} → {}, modified {} → {} ms)",
                        messages::shown(&m.path),
                        m.size,
                        stamp.size,
                        m.mtime_ms,
                        mtime_ms(stamp.mtime_ns)
                    ));
                } else if let Ok(canonical) = std::fs::canonicalize(&m.path) {
                    // The index knows files by their canonical paths.
                    m.path = canonical;
                }
            }
            Ok(_) => changed.push(format!("{}: not a file", messages::shown(&m.path))),
            Err(e) => changed.push(format!("{}: {e}", messages::shown(&m.path))),
        }
    }
    // One file under two spellings (`..`, a link, a linked folder): the plan would act on it
    // twice, or remove the file that another of its names keeps.
    let mut names: std::collections::HashMap<&Path, &Path> = std::collections::HashMap::new();
    for (m, given) in groups.iter().flatten().zip(&given) {
        if let Some(other) = names.insert(m.path.as_path(), given.as_path()) {
            bail!(
                "{} and {} are one file ({}); a plan names each file once",
                messages::shown(other),
                messages::shown(given),
                messages::shown(&m.path)
            );
        }
    }
    if !changed.is_empty() {
        for line in &changed {
            eprintln!("error: {line}");
        }
        bail!(
            "nothing was done: {} file(s) of the plan are missing or changed since it was made; \
             scan again and make a new plan",
            changed.len()
        );
    }

    let bin = match &args.to {
        Some(dir) => {
            let dir = std::path::absolute(dir)?;
            crate::image::walk::check_review_folder(&dir)?;
            Bin::Folder(dir)
        }
        None => Bin::trash()?,
    };
    let store = if args.dry_run {
        None
    } else {
        bin.prepare()?;
        // A real run records "not a duplicate" and follows moved files: it may create the
        // database (a plan made in the browser can come before any scan).
        Some(Store::open(&config.db)?)
    };
    let would = if args.dry_run { "would " } else { "" };
    let (mut removed, mut kept, mut ignored, mut failed) = (0usize, 0usize, 0usize, 0usize);
    for group in &groups {
        for m in group {
            match m.decision {
                Decision::Keep => {
                    kept += 1;
                    println!("keep {}", messages::shown(&m.path));
                }
                Decision::NotDuplicate => {
                    let others: Vec<&Path> = group
                        .iter()
                        .filter(|o| o.path != m.path)
                        .map(|o| o.path.as_path())
                        .collect();
                    if let Some(store) = &store {
                        for other in &others {
                            store.ignore_pair(&m.path, other)?;
                        }
                    }
                    ignored += 1;
                    println!(
                        "{would}remember as not a duplicate of {} other(s): {}",
                        others.len(),
                        messages::shown(&m.path)
                    );
                }
                Decision::Remove => match (&store, remove(&bin, m, store.as_ref())) {
                    (None, _) => {
                        removed += 1;
                        println!(
                            "{would}move to {}: {}",
                            where_to(&bin),
                            messages::shown(&m.path)
                        );
                    }
                    (Some(_), Ok(to)) => {
                        removed += 1;
                        println!(
                            "moved to {}: {} -> {}",
                            where_to(&bin),
                            messages::shown(&m.path),
                            messages::shown(&to)
                        );
                    }
                    (Some(_), Err(e)) => {
                        failed += 1;
                        messages::file_error(&m.path, format!("{e:#}"));
                    }
                },
            }
        }
    }
    if let Some(store) = &store {
        store.flush()?;
    }
    messages::info(format!(
        "{}{} {} to {}, {} kept, {} {} not a duplicate, {} failed ({} groups)",
        if args.dry_run { "dry run: " } else { "" },
        removed,
        if args.dry_run { "to move" } else { "moved" },
        where_to(&bin),
        kept,
        ignored,
        if args.dry_run { "to mark" } else { "marked" },
        failed,
        groups.len()
    ));
    Ok(())
}

fn where_to(bin: &Bin) -> String {
    match bin {
        Bin::Trash(_) => "the trash".into(),
        Bin::Folder(dir) => messages::shown(dir),
    }
}

/// Moves one file and updates the index; `store` is `None` on a dry run (then nothing moves).
fn remove(bin: &Bin, m: &Resolved, store: Option<&Store>) -> Result<PathBuf> {
    let Some(store) = store else {
        return Ok(m.path.clone());
    };
    let to = bin.put(&m.path)?;
    match bin {
        Bin::Trash(_) => store.remove(&m.path)?,
        Bin::Folder(_) => store.rename(&m.path, &to)?,
    }
    Ok(to)
}
