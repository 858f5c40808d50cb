//! `lookalike scan`: walk, hash what is new or changed, drop what vanished, report the similar
//! images, optionally run the review.
//!
//! Order of work, chosen so that an interruption at any point (Ctrl-C or `kill -9`) followed by a
//! rerun gives the uninterrupted run's result without hashing a stored file again:
//! 1. load the index from the store;
//! 2. walk the roots; files whose size and mtime match their record are unchanged;
//! 3. drop the records of files under the roots that no longer exist;
//! 4. hash the new and changed files in batches; each record is stored as soon as it exists,
//!    marked *pending*;
//! 5. query the index with every pending file under the roots (the ones hashed now, and those a
//!    previous, interrupted run hashed but did not report), and report;
//! 6. review (optional), then clear the pending marks and flush.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use lookalike_core::{KeepRule, Orientation, QueryScratch, Weights, compare_sided};
use rayon::prelude::*;

use crate::args::{ReportArgs, ScanArgs};
use crate::config::{self, Config};
use crate::image::hashing::{Engine, StageTimes};
use crate::image::library::Library;
use crate::image::{review, thumbnail, walk};
use crate::interrupt;
use crate::messages;
use crate::progress::Progress;
use crate::report::{self, Look, Pair, Report};
use crate::store::{FileRecord, ImageFile, Stamp, Store};

/// Most matches looked at per new image.
const MATCHES_PER_IMAGE: usize = 1000;
/// Queries answered on all threads at a time.
const QUERY_BLOCK: usize = 256;

/// Counts for the summary line.
#[derive(Debug, Default)]
pub struct Summary {
    pub found: usize,
    pub unchanged: usize,
    /// New or changed files that were read to be hashed (`hashed` of them were).
    pub tried: usize,
    pub hashed: usize,
    /// Stored files that are gone.
    pub dropped: usize,
    /// Stored files still on disk that the walk did not reach (review folders, unreadable ones).
    pub left_out: usize,
}

/// Names the first few stored files dropped from the index, and why.
fn name_dropped(paths: &[PathBuf], why: &str) {
    if !paths.is_empty() {
        let named = messages::first_few(paths);
        messages::info(format!("dropped from the index ({why}): {named}"));
    }
}

pub fn run(config: &Config, args: &ScanArgs) -> Result<()> {
    let sensitivity = if args.whole {
        config::plain_sensitivity(args.sensitivity)?
    } else {
        config::sensitivity(args.sensitivity)?
    };
    let mut roots = walk::canonical_roots(&args.paths);
    if roots.is_empty() {
        bail!("none of the paths to scan could be read");
    }
    // Reference folders are scanned too; their files are never proposed for removal.
    for path in &args.reference {
        if let Err(e) = std::fs::canonicalize(path) {
            bail!(
                "the --reference folder {} could not be read: {e}",
                path.display()
            );
        }
    }
    let reference = walk::canonical_roots(&args.reference);
    for r in &reference {
        if !roots.contains(r) {
            roots.push(r.clone());
        }
    }
    let in_reference = |path: &Path| under(&reference, path);
    let keep = keep_rules(&args.report.keep)?;
    let review_dir = match &args.review_dir {
        Some(dir) => Some(absolute(dir)?),
        None => None,
    };
    if let Some(dir) = &review_dir {
        walk::check_review_folder(dir)?;
        if let Some(page) = &args.report.html {
            thumbnail::check_review_is_not_thumbnails(dir, page)?;
        }
    }
    // An unwritable report path, or a thumbnails folder of other files, fails now, not after
    // the whole scan.
    if let Some(path) = &args.report.html {
        thumbnail::check_thumbnails_folder(path)?;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("cannot write the report {}", path.display()))?;
    }
    // A review looks at every group under PATHs, not only at what is new.
    let all = args.all || review_dir.is_some();
    interrupt::install();
    let store = Store::open(&config.db)?;
    let engine = Engine::new(config.gpu);
    let progress = Progress::new();
    let started = Instant::now();
    let mut library = Library::load(&store, &progress)?;
    if args.whole {
        library.whole_only();
    }
    if args.upright {
        library.upright_only();
    }
    if args.all_turns {
        library.all_turns();
    }
    let ignored = store.ignored_set()?;
    let mut summary = Summary::default();

    // 2. Walk.
    let bar = progress.spinner("walking", "images");
    let exclude: Vec<PathBuf> = review_dir.iter().cloned().collect();
    let found = walk::walk(&roots, &exclude, args.follow_links, &bar);
    bar.finish_and_clear();
    if interrupt::requested() {
        return finish_interrupted(&store);
    }
    summary.found = found.len();

    // 3. Vanished files.
    let on_disk: HashSet<&Path> = found.iter().map(|(path, _)| path.as_path()).collect();
    let mut vanished: Vec<PathBuf> = Vec::new();
    for root in &roots {
        for path in library.paths_under(root) {
            let excluded = exclude.iter().any(|x| path.starts_with(x));
            if !on_disk.contains(path) && !excluded {
                vanished.push(path.to_path_buf());
            }
        }
    }
    // In path order, once each (roots may nest), as the database's key order gave them before.
    vanished.sort();
    vanished.dedup();
    for path in &vanished {
        store.remove(path)?;
        library.remove(path);
    }
    // Not walked: gone, or still on disk where the walk did not reach it (moved into a review
    // folder by `--review-dir` or `apply --to`, which walks leave out; a folder it could not
    // read, named above). Both leave the index, said apart.
    let (gone, there): (Vec<PathBuf>, Vec<PathBuf>) = vanished
        .into_iter()
        .partition(|p| p.symlink_metadata().is_err());
    name_dropped(&gone, "gone");
    name_dropped(
        &there,
        "still on disk, not reached by this scan: in a review folder, or a folder it could not read",
    );
    summary.dropped = gone.len();
    summary.left_out = there.len();

    // 4. Hash what is new or changed.
    let todo: Vec<&(PathBuf, Stamp)> = found
        .iter()
        .filter(|(path, stamp)| match library.get(path) {
            Some((_, file)) => file.stamp != *stamp,
            None => true,
        })
        .collect();
    summary.unchanged = found.len() - todo.len();
    summary.tried = todo.len();
    let times = StageTimes::default();
    let bar = progress.bar(todo.len() as u64, "hashing", "images");
    engine.expect(todo.len());
    for batch in todo.chunks(engine.batch_len()) {
        if interrupt::requested() {
            bar.abandon();
            return finish_interrupted(&store);
        }
        let paths: Vec<PathBuf> = batch.iter().map(|(path, _)| path.clone()).collect();
        let results = engine.hash_paths(&paths, &times)?;
        let mut records = Vec::with_capacity(batch.len());
        for (&(path, stamp), result) in batch.iter().zip(results) {
            match result {
                Ok((picture, (signature, probe, sides))) => records.push(FileRecord {
                    file: ImageFile {
                        path: path.clone(),
                        stamp: *stamp,
                        picture,
                    },
                    pending: true,
                    signature,
                    probe,
                    sides,
                }),
                Err(e) => {
                    // A changed file that no longer decodes must not keep its old signature.
                    if library.remove(path) {
                        store.remove(path)?;
                    }
                    messages::file_error(path, format!("{e:#}"));
                }
            }
        }
        store.put_many(&records)?;
        // On disk before the next batch: a kill loses at most one batch of hashing.
        store.flush()?;
        for record in &records {
            library.insert(record);
        }
        summary.hashed += records.len();
        bar.inc(batch.len() as u64);
    }
    bar.finish_and_clear();
    engine.finish();

    // 5. Compare the pending files with the index. What this scan walked is in scope, also a
    // file outside PATHs that a followed link led to (it is stored under its real path).
    let in_scope = |path: &Path| under(&roots, path) || on_disk.contains(path);
    let min_similarity = sensitivity.min_similarity();
    let queries: Vec<u32> = library
        .iter()
        .filter(|&(id, f)| (all || library.is_pending(id)) && in_scope(&f.path))
        .filter(|(_, f)| !exclude.iter().any(|x| f.path.starts_with(x)))
        .map(|(id, _)| id)
        .collect();
    let bar = progress.bar(queries.len() as u64, "comparing", "images");
    // Each pair once: where it is in `pairs`, or `None` when it is not reported. Its two files
    // find each other at the same similarity (`query_both_ways` compares both records' side
    // probes); the better of the two still counts, whichever came first.
    let mut seen: HashMap<(u32, u32), Option<usize>> = HashMap::new();
    let mut pairs: Vec<Pair> = Vec::new();
    // Files outside the roots that a new image matched, but that are no longer on disk.
    let mut gone: HashSet<u32> = HashSet::new();
    // Queried a block at a time on every thread (issue 14: the queries of a first scan of a big
    // library are most of its work after decoding), then taken in order, as one at a time would.
    let mut answered = Vec::new();
    // Compared images without structure: they match nothing, and the summary says so.
    let mut blanks: Vec<PathBuf> = Vec::new();
    for block in queries.chunks(QUERY_BLOCK) {
        if interrupt::requested() {
            return finish_interrupted(&store);
        }
        block
            .par_iter()
            .map_init(QueryScratch::new, |scratch, &id| -> Result<_> {
                let Some(file) = library.file(id) else {
                    return Ok(None);
                };
                let Some(record) = store.get(&file.path)? else {
                    return Ok(None);
                };
                let hits = library.query_both_ways(
                    &store,
                    scratch,
                    (&record.signature, &record.probe, &record.sides),
                    min_similarity,
                    MATCHES_PER_IMAGE,
                )?;
                Ok(Some((id, file, hits, record.signature.is_blank())))
            })
            .collect_into_vec(&mut answered);
        bar.inc(block.len() as u64);
        for answer in answered.drain(..) {
            let Some((id, file, hits, blank)) = answer? else {
                continue;
            };
            if blank {
                blanks.push(file.path.clone());
            }
            for hit in hits {
                if hit.id == id {
                    continue;
                }
                let key = (id.min(hit.id), id.max(hit.id));
                let pair = |hit: &lookalike_core::Hit, other: &ImageFile| Pair {
                    a: file.clone(),
                    b: other.clone(),
                    similarity: hit.similarity,
                    score: hit.score,
                    look: Look {
                        turn: hit.orientation,
                        framing: hit.framing,
                    },
                };
                match seen.get(&key) {
                    Some(&Some(at)) => {
                        if hit.similarity > pairs[at].similarity
                            && let Some(other) = library.file(hit.id)
                        {
                            pairs[at] = pair(&hit, other);
                        }
                        continue;
                    }
                    Some(None) => continue,
                    None => {}
                }
                seen.insert(key, None);
                let Some(other) = library.file(hit.id) else {
                    continue;
                };
                if exclude.iter().any(|x| other.path.starts_with(x)) {
                    continue;
                }
                if !in_scope(&other.path) {
                    // --all reports pairs under PATHs only; a new image may match any stored one,
                    // but only one that still exists (files outside PATHs were not walked now).
                    if all || gone.contains(&hit.id) {
                        continue;
                    }
                    if matches!(other.path.symlink_metadata(), Err(e) if e.kind() == std::io::ErrorKind::NotFound)
                    {
                        gone.insert(hit.id);
                        continue;
                    }
                }
                if ignored.contains(&file.path, &other.path) {
                    // The user said these two are not duplicates (`lookalike ignore list`).
                    continue;
                }
                if in_reference(&file.path) && in_reference(&other.path) {
                    // Groups made only of reference files are not reported.
                    continue;
                }
                if same_file(&file.path, &other.path) {
                    // Two names of one file (a hard link): not a duplicate to review.
                    continue;
                }
                seen.insert(key, Some(pairs.len()));
                pairs.push(pair(&hit, other));
            }
        }
    }
    bar.finish_and_clear();
    drop(progress);
    for id in gone {
        if let Some(path) = library.file(id).map(|f| f.path.clone()) {
            store.remove(&path)?;
            library.remove(&path);
            summary.dropped += 1;
        }
    }
    // The keep rule counts pixels inside borders: the signatures' content aspect ratios.
    let aspect = |path: &Path| -> Option<f32> {
        store
            .get(path)
            .ok()
            .flatten()
            .map(|r| r.signature.aspect_ratio())
    };
    // A member whose pair with its keeper was not reported now (an older pair, in a scan of new
    // files) is compared with the keeper as the index would have: so the labels and proposals
    // say "like the keeper" where it is, and "via others" only where it is not.
    let orientations: &[Orientation] = if args.upright {
        &[]
    } else if args.all_turns {
        &Orientation::ALL
    } else {
        Orientation::DEFAULT
    };
    let compare = |keeper: &Path, member: &Path| -> Option<(f32, Look)> {
        if ignored.contains(keeper, member) || same_file(keeper, member) {
            return None;
        }
        // With --whole, each signature stands for its own probe and there are no side probes:
        // nothing is compared cropped.
        let probed = |p: &Path| {
            let mut r = store.get(p).ok().flatten()?;
            if args.whole {
                r.probe = r.signature;
                r.sides.clear();
            }
            Some(r)
        };
        let (keeper, member) = (probed(keeper)?, probed(member)?);
        let c = compare_sided(
            (&keeper.signature, &keeper.probe, &keeper.sides),
            (&member.signature, &member.probe, &member.sides),
            Weights::Scanned,
            orientations,
        );
        let look = Look {
            turn: c.orientation,
            framing: c.framing,
        };
        sensitivity.accepts(&c).then_some((c.similarity, look))
    };
    let mut report = Report::build_with(pairs, &keep, &aspect, &compare);
    if !reference.is_empty() {
        report.put_reference_first(in_reference, &compare);
    }

    if let Some(dir) = &review_dir {
        // A second review into the same folder goes on after the first one's groups, and the
        // report says the numbers the folder's names carry.
        report.number_after(review::last_number(dir));
    }
    print_report(&report, &args.report)?;

    if let Some(dir) = &review_dir
        && !report.groups.is_empty()
    {
        let outcome = review::run(
            &mut report,
            dir,
            args.dry_run,
            args.report.json,
            &store,
            &mut library,
        )?;
        if !args.dry_run {
            messages::info(format!(
                "review folder {}: {} to keep and {} to check linked in (they stay where they \
                 are), {} moved, {} copied (another file system)",
                messages::shown(dir),
                outcome.kept,
                outcome.checked,
                outcome.moved,
                outcome.copied
            ));
        }
    }
    if let Some(path) = &args.report.html {
        write_html(&report, path)?;
    }

    // 6. Reported: clear the pending marks (of every pending file under the roots).
    let reported: Vec<u32> = queries
        .iter()
        .copied()
        .filter(|&id| library.is_pending(id))
        .collect();
    let paths: Vec<PathBuf> = reported
        .iter()
        .filter_map(|&id| library.file(id).map(|f| f.path.clone()))
        .collect();
    store.clear_pending(paths.iter().map(PathBuf::as_path))?;
    library.mark_reported(&reported);
    // A store that cannot be written is an error; an index that cannot be saved only a note.
    store.flush()?;
    library.save(&store);

    // Images that failed are those read and not hashed, so that hashed + unchanged + failed is
    // the images found; other error lines (a folder or link that cannot be followed) are counted
    // beside them, warnings as the warning lines.
    let (errors, warnings) = messages::printed();
    let failed = summary.tried.saturating_sub(summary.hashed);
    let other_errors = match errors.saturating_sub(failed) {
        0 => String::new(),
        1 => " (1 other error)".to_owned(),
        n => format!(" ({n} other errors)"),
    };
    messages::info(format!(
        "{} images under {} root(s): {} hashed, {} unchanged, {failed} failed{other_errors}, {} \
         dropped (gone{}); {} similar pairs in {} groups at sensitivity {} ({:.1} s){}",
        summary.found,
        roots.len(),
        summary.hashed,
        summary.unchanged,
        summary.dropped,
        match summary.left_out {
            0 => String::new(),
            n => format!("; {n} more not reached"),
        },
        report.matches.len(),
        report.groups.len(),
        sensitivity.get(),
        started.elapsed().as_secs_f64(),
        match warnings {
            0 => String::new(),
            1 => "; 1 warning".to_owned(),
            n => format!("; {n} warnings"),
        }
    ));
    if !blanks.is_empty() {
        messages::info(messages::no_structure(&blanks));
    }
    if !all && report.matches.is_empty() && summary.unchanged > 0 {
        let stored = library.iter().filter(|(_, f)| in_scope(&f.path)).count();
        messages::info(format!(
            "hint: only new or changed images are compared by default; --all compares all {stored} \
             stored images under the scanned paths"
        ));
    }
    if !args.report.json && args.report.html.is_none() && !report.matches.is_empty() {
        messages::info(
            "hint: --html report.html writes a page to review the groups and make a plan for \
             `lookalike apply`",
        );
    }
    Ok(())
}

/// Prints `report` as `args` say: JSON lines of pairs or of groups, or the table.
pub fn print_report(report: &Report, args: &ReportArgs) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json && args.groups {
        report::json::write_groups(&report.groups, &mut out)?;
    } else if args.json {
        report::json::write(&report.matches, &mut out)?;
    } else {
        report::table::write(report, &mut out)?;
    }
    out.flush()?;
    Ok(())
}

/// Writes the HTML review page (thumbnails beside it) and says where.
pub fn write_html(report: &Report, path: &Path) -> Result<()> {
    thumbnail::write_report(report, path, "lookalike: similar images")?;
    messages::info(format!(
        "report written to {} (thumbnails in {}; keep the two together)",
        messages::shown(path),
        messages::shown(&report::html::files_dir(path))
    ));
    Ok(())
}

/// The `--keep` criteria; an unknown one is an error that lists the known ones. A `path:`
/// prefix is made absolute (and canonical when it exists), as the stored paths are, so that
/// `path:Originals` means the folder under the current one.
pub fn keep_rules(texts: &[String]) -> Result<Vec<KeepRule>> {
    texts
        .iter()
        .map(|t| {
            let rule = KeepRule::parse(t.trim()).ok_or_else(|| {
                anyhow::anyhow!(
                    "--keep: unknown criterion {t:?}; the criteria are resolution, size, \
                     oldest, newest, format and path:PREFIX"
                )
            })?;
            let KeepRule::PathPrefix(prefix) = &rule else {
                return Ok(rule);
            };
            let Ok(text) = std::str::from_utf8(prefix) else {
                return Ok(rule);
            };
            if text.is_empty() {
                anyhow::bail!("--keep path: needs a folder, e.g. path:/photos/originals");
            }
            let full = absolute(Path::new(text))?;
            let mut bytes = full.to_string_lossy().into_owned();
            // A folder means the files under it: `path:orig` is not `orig-backup/`.
            if (text.ends_with('/') || full.is_dir()) && !bytes.ends_with('/') {
                bytes.push('/');
            }
            Ok(KeepRule::PathPrefix(bytes.into_bytes()))
        })
        .collect()
}

/// Whether `path` lies under one of `roots`.
fn under(roots: &[PathBuf], path: &Path) -> bool {
    roots.iter().any(|r| path.starts_with(r))
}

/// Whether two paths name the same file (one inode through hard links).
#[cfg(unix)]
pub fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (a.metadata(), b.metadata()) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
pub fn same_file(_a: &Path, _b: &Path) -> bool {
    false
}

fn finish_interrupted(store: &Store) -> Result<()> {
    store.flush()?;
    messages::info("interrupted: the database is flushed; run the same scan again to finish");
    Ok(())
}

fn absolute(path: &Path) -> Result<PathBuf> {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .context("cannot read the current folder")?
            .join(path)
    };
    // Canonical when it exists, so that it compares equal to walked paths.
    Ok(std::fs::canonicalize(&joined).unwrap_or(joined))
}
