//! `lookalike query`: the best matches in the index for images that need not be in it. Videos
//! among the inputs are searched for shared clips instead ([`super::videos::query`], issue 6).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use lookalike_core::QueryScratch;
use serde_json::{Value, json};

use crate::args::QueryArgs;
use crate::commands::scan::same_file;
use crate::config::{self, Config};
use crate::image::hashing::Engine;
use crate::image::library::Library;
use crate::messages;
use crate::progress::Progress;
use crate::report::json::{self, round2};
use crate::report::table::human_size;
use crate::store::Store;
use crate::video::is_video_path;

/// Matches asked for beyond `--limit`, for the query file's own names in the index (itself,
/// hard links of it), which are left out.
const SELF_NAMES: usize = 4;

pub fn run(config: &Config, args: &QueryArgs) -> Result<()> {
    let (videos, images): (Vec<PathBuf>, Vec<PathBuf>) =
        args.images.iter().cloned().partition(|p| is_video_path(p));
    if !videos.is_empty() {
        if args.upright || args.all_turns {
            let option = if args.upright {
                "--upright"
            } else {
                "--all-turns"
            };
            anyhow::bail!(
                "{option} is for images; videos are compared as they are, mirrored and turned (a \
                 mirrored clip is a copy too): leave it out, or query the images alone"
            );
        }
        super::videos::query(
            config,
            &videos,
            args.sensitivity,
            (args.min_sequence, args.phases),
            args.limit,
            args.json,
        )?;
    }
    if images.is_empty() {
        return Ok(());
    }
    let sensitivity = if args.whole {
        config::plain_sensitivity(args.sensitivity)?
    } else {
        config::sensitivity(args.sensitivity)?
    };
    // Hashed before the database is opened: it is held (and locked against a scan) while the
    // matches are looked up and compared with the stored records, not while images decode.
    let engine = Engine::new(config.gpu);
    let mut hashed = Vec::with_capacity(images.len());
    for image in &images {
        match engine.hash_path(image)? {
            Ok((_, probed)) => hashed.push((image, probed)),
            Err(e) => messages::file_error(image, format!("{e:#}")),
        }
    }
    if hashed.is_empty() {
        return Ok(());
    }
    let store = Store::open_for_reading(&config.db)?;
    let library = {
        let progress = Progress::new();
        let mut library = Library::load(&store, &progress)?;
        if !library.is_saved() && !store.is_copy() {
            // Rebuilt (changed since the last scan): saved, so the next query starts at once.
            library.save(&store);
        }
        if args.upright {
            library.upright_only();
        }
        if args.all_turns {
            library.all_turns();
        }
        if args.whole {
            library.whole_only();
        }
        library
    };
    let mut scratch = QueryScratch::new();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let blank: Vec<&PathBuf> = hashed
        .iter()
        .filter(|(_, (signature, _, _))| signature.is_blank())
        .map(|(image, _)| *image)
        .collect();
    if !blank.is_empty() {
        messages::info(messages::no_structure(&blank));
    }
    for (image, (signature, probe, sides)) in &hashed {
        // A file that is in the index is not its own match, nor is another name of it (a hard
        // link): the others are what was asked.
        let itself = std::fs::canonicalize(image)
            .ok()
            .and_then(|path| library.get(&path).map(|(id, _)| id));
        let mut hits = library.query_both_ways(
            &store,
            &mut scratch,
            (signature, probe, sides),
            sensitivity.min_similarity(),
            args.limit.saturating_add(SELF_NAMES),
        )?;
        hits.retain(|hit| {
            Some(hit.id) != itself
                && !library
                    .file(hit.id)
                    .is_some_and(|f| same_file(image, &f.path))
        });
        // A stored file deleted since the last scan is no match to offer: said, not listed.
        hits.retain(|hit| match library.file(hit.id) {
            Some(f) if f.path.symlink_metadata().is_err() => {
                messages::warning(format!(
                    "{} matches {}, which is gone since the last scan (`lookalike scan` drops it)",
                    messages::shown(image),
                    messages::shown(&f.path)
                ));
                false
            }
            _ => true,
        });
        hits.truncate(args.limit);
        if !args.json {
            writeln!(out, "{} ({} matches)", messages::shown(image), hits.len())?;
        }
        for (rank, hit) in hits.iter().enumerate() {
            let Some(file) = library.file(hit.id) else {
                continue;
            };
            if args.json {
                let mut object = serde_json::Map::new();
                json::put_path(&mut object, "query", image);
                object.insert("rank".into(), json!(rank + 1));
                object.insert("similarity".into(), json!(round2(hit.similarity)));
                object.insert("score".into(), json!(round2(hit.score)));
                object.insert("match".into(), Value::Object(json::file(file)));
                // How the match looks next to the query (`null` upright, and whole).
                object.insert("turn".into(), json!(hit.orientation.label()));
                object.insert("crop".into(), json!(hit.framing.label()));
                writeln!(out, "{}", Value::Object(object))?;
            } else {
                let turn = lookalike_core::look_label(hit.orientation, hit.framing)
                    .map_or(String::new(), |t| format!("  ({t})"));
                writeln!(
                    out,
                    "  {:>3}. {:5.1}  {:>11}  {:>8}  {}{turn}",
                    rank + 1,
                    hit.similarity,
                    format!("{}×{}", file.picture.width, file.picture.height),
                    human_size(file.stamp.size),
                    messages::shown(&file.path)
                )?;
            }
        }
    }
    Ok(())
}
