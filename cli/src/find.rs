//! `lookalike query`: the best matches in the index for images that need not be in it.

use std::io::Write;

use anyhow::Result;
use lookalike_core::QueryScratch;
use serde_json::{Map, Value, json};

use crate::args::QueryArgs;
use crate::config::{self, Config};
use crate::library::Library;
use crate::messages;
use crate::pipeline::Hashing;
use crate::progress::Progress;
use crate::report::{self, json::round2};
use crate::store::Store;

pub fn run(config: &Config, args: &QueryArgs) -> Result<()> {
    let sensitivity = config::sensitivity(args.sensitivity)?;
    let store = Store::open(&config.db)?;
    let hashing = Hashing::new(config.gpu)?;
    messages::info(format!("hashing on {}", hashing.description()));
    let library = {
        let progress = Progress::new();
        Library::load(&store, &progress)?
    };
    drop(store);
    let mut scratch = QueryScratch::new();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for image in &args.images {
        let hashed = match hashing.hash_path(image) {
            Ok(h) => h,
            Err(e) => {
                messages::file_error(image, format!("{e:#}"));
                continue;
            }
        };
        let hits = library.query(
            &mut scratch,
            &hashed.signature,
            sensitivity.min_similarity(),
            args.limit,
        );
        if !args.json {
            writeln!(out, "{} ({} matches)", messages::shown(image), hits.len())?;
        }
        for (rank, hit) in hits.iter().enumerate() {
            let Some(entry) = library.entry(hit.id) else {
                continue;
            };
            if args.json {
                let mut object = Map::new();
                report::json::put_path(&mut object, "query", image);
                object.insert("rank".into(), json!(rank + 1));
                object.insert("similarity".into(), json!(round2(hit.similarity)));
                object.insert("score".into(), json!(round2(hit.score)));
                object.insert("match".into(), report::json::member(&entry.into()));
                writeln!(out, "{}", Value::Object(object))?;
            } else {
                writeln!(
                    out,
                    "  {:>3}. {:5.1}  {:>11}  {:>8}  {}",
                    rank + 1,
                    hit.similarity,
                    format!("{}×{}", entry.width, entry.height),
                    report::human_size(entry.size),
                    messages::shown(&entry.path)
                )?;
            }
        }
    }
    Ok(())
}
