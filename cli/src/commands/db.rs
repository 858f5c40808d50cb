//! `lookalike db info|prune|upgrade|export|import-pairs`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use serde_json::{Value, json};

use crate::args::{DbCommand, TableOutput};
use crate::commands::hash::{self, Output};
use crate::commands::import_pairs;
use crate::config::Config;
use crate::image::snapshot;
use crate::messages;
use crate::report::json::{self, hex};
use crate::report::table::human_size;
use crate::store::{FORMAT_VERSION, IterError, Store};

pub fn run(config: &Config, command: &DbCommand) -> Result<()> {
    if let DbCommand::ImportPairs(args) = command
        && !args.signatures.is_empty()
    {
        // The tables say everything; the database may not even exist on this machine.
        return import_pairs::run(None, args);
    }
    // Every db subcommand works on what is there; none creates an empty database. Only prune
    // and upgrade write, so only they need a database they can write.
    let store = match command {
        DbCommand::Prune => Store::open_existing(&config.db)?,
        DbCommand::Upgrade => Store::open_for_upgrade(&config.db)?,
        _ => Store::open_for_reading(&config.db)?,
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match command {
        DbCommand::Info => {
            let settings = store.settings();
            let (mut pending, mut damaged) = (0usize, 0usize);
            for item in store.iter() {
                match item {
                    Ok(r) if r.pending => pending += 1,
                    Ok(_) => {}
                    Err(_) => damaged += 1,
                }
            }
            writeln!(out, "database:     {}", messages::shown(store.path()))?;
            let images = store.len();
            store.check_held(images as u64)?;
            writeln!(out, "images:       {images}")?;
            writeln!(
                out,
                "not reported: {pending} (an interrupted scan; the next scan reports them)"
            )?;
            writeln!(out, "damaged:      {damaged}")?;
            let videos = store.videos()?;
            let records = videos.records()?;
            let screenshots: u64 = records.iter().map(|(_, r)| u64::from(r.screenshots)).sum();
            // `+ 0.0`: the sum of no durations is -0.0, which would show as "-0.0 h".
            let hours: f64 =
                records.iter().map(|(_, r)| r.info.duration).sum::<f64>() / 3600.0 + 0.0;
            writeln!(
                out,
                "videos:       {} ({hours:.1} h, {screenshots} screenshots{})",
                records.len(),
                videos
                    .stored_interval()?
                    .map_or_else(String::new, |i| format!(", one every {i} s"))
            )?;
            let unreported = records.iter().filter(|(_, r)| r.pending).count();
            if unreported > 0 {
                writeln!(
                    out,
                    "              {unreported} not reported (an interrupted run; the next \
                     `videos` run reports them)"
                )?;
            }
            writeln!(out, "format:       {}", settings.format)?;
            writeln!(out, "coefficients: {} per channel", settings.m)?;
            writeln!(out, "weights:      {:?}", settings.weights)?;
            writeln!(out, "size on disk: {}", human_size(store.size_on_disk()))?;
            writeln!(out, "saved index:  {}", snapshot::describe(&store))?;
        }
        DbCommand::Prune => {
            let mut gone: Vec<PathBuf> = Vec::new();
            for item in store.iter() {
                let path = match item {
                    Ok(r) => r.file.path,
                    Err(IterError::Damaged { path, .. }) => path,
                    Err(e) => return Err(e.into()),
                };
                if let Err(e) = std::fs::symlink_metadata(&path)
                    && e.kind() == std::io::ErrorKind::NotFound
                {
                    gone.push(path);
                }
            }
            for path in &gone {
                store.remove(path)?;
                writeln!(out, "dropped {}", messages::shown(path))?;
            }
            let videos = store.videos()?;
            let mut videos_gone = 0usize;
            let mut videos_left = 0usize;
            for (path, record) in videos.records()? {
                if let Err(e) = std::fs::symlink_metadata(&path)
                    && e.kind() == std::io::ErrorKind::NotFound
                {
                    videos.remove(&path, record.id)?;
                    writeln!(out, "dropped {}", messages::shown(&path))?;
                    videos_gone += 1;
                } else {
                    videos_left += 1;
                }
            }
            store.flush()?;
            writeln!(
                out,
                "dropped {} entries of missing images and {videos_gone} of missing videos; \
                 {} images and {videos_left} videos remain",
                gone.len(),
                store.len()
            )?;
        }
        DbCommand::Upgrade => match store.upgrade()? {
            None => writeln!(
                out,
                "{} holds signatures of format {} already; nothing to do",
                messages::shown(store.path()),
                FORMAT_VERSION
            )?,
            Some(done) => {
                let many = |n: usize, one: &str, more: &str| {
                    format!("{n} {}", if n == 1 { one } else { more })
                };
                let dropped = if done.videos_kept {
                    format!(
                        "dropped {} (the next `lookalike scan` hashes them anew); kept the videos \
                         (their screenshots are of this format)",
                        many(done.images, "image", "images"),
                    )
                } else {
                    format!(
                        "dropped {} and {} (the next `lookalike scan` and `lookalike videos` hash \
                         them anew)",
                        many(done.images, "image", "images"),
                        many(done.videos, "video", "videos"),
                    )
                };
                writeln!(
                    out,
                    "upgraded {} from signature format {} to {FORMAT_VERSION}: {dropped}; kept \
                     the not-a-duplicate list ({})",
                    messages::shown(store.path()),
                    done.from,
                    many(done.ignored, "pair", "pairs"),
                )?
            }
        },
        DbCommand::Export(args) => {
            drop(out);
            export(&store, args)?;
        }
        DbCommand::ImportPairs(args) => {
            drop(out);
            import_pairs::run(Some(&store), args)?;
        }
    }
    Ok(())
}

/// `db export`: JSON lines (images, then videos with `"kind": "video"`) or the Parquet table of
/// the images.
fn export(store: &Store, args: &TableOutput) -> Result<()> {
    let mut out = hash::output(args)?;
    for item in store.iter() {
        match item {
            Ok(r) => match &mut out {
                Output::Jsonl(out) => {
                    let mut object = json::file(&r.file);
                    object.insert("signature".into(), json!(hex(&r.signature.to_bytes())));
                    writeln!(out, "{}", Value::Object(object))?;
                }
                Output::Parquet(writer) => writer.push(&r.file, &r.signature)?,
            },
            Err(IterError::Damaged { path, reason }) => {
                messages::file_error(&path, format!("damaged index entry: {reason}"));
            }
            Err(e) => return Err(e.into()),
        }
    }
    if let Output::Jsonl(out) = &mut out {
        // Videos: one object each, with `"kind": "video"` (images carry no kind).
        for (path, record) in store.videos()?.records()? {
            let mut object = serde_json::Map::new();
            json::put_path(&mut object, "path", &path);
            object.insert("kind".into(), json!("video"));
            object.insert("screenshots".into(), json!(record.screenshots));
            object.insert("info".into(), serde_json::to_value(&record.info)?);
            writeln!(out, "{}", Value::Object(object))?;
        }
    }
    out.finish()
}
