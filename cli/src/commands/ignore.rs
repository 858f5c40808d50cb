//! `lookalike ignore`: the pairs remembered as not duplicates (by `apply` or `ignore add`):
//! list them, add one, or forget one so that scans report it again.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde_json::{Map, json};

use crate::args::IgnoreCommand;
use crate::config::Config;
use crate::messages;
use crate::report::json::put_path;
use crate::store::Store;

/// Absolute and, when the file exists, canonical (as the index knows it).
fn full(path: &Path) -> Result<PathBuf> {
    let absolute = std::path::absolute(path)?;
    Ok(std::fs::canonicalize(&absolute).unwrap_or(absolute))
}

pub fn run(config: &Config, command: &IgnoreCommand) -> Result<()> {
    // Listing never creates a database where a mistyped --db points.
    let store = match command {
        IgnoreCommand::List { .. } => Store::open_for_reading(&config.db)?,
        _ => Store::open(&config.db)?,
    };
    match command {
        IgnoreCommand::List { json } => {
            let pairs = store.ignored_pairs()?;
            let mut out = std::io::stdout().lock();
            for (a, b, ms) in &pairs {
                if *json {
                    let mut o = Map::new();
                    put_path(&mut o, "a", a);
                    put_path(&mut o, "b", b);
                    o.insert("recorded_ms".into(), json!(ms));
                    writeln!(out, "{}", serde_json::Value::Object(o))?;
                } else {
                    writeln!(out, "{}\t{}", messages::shown(a), messages::shown(b))?;
                }
            }
            messages::info(format!(
                "{} pair(s) remembered as not duplicates",
                pairs.len()
            ));
        }
        IgnoreCommand::Add { a, b } => {
            let (a, b) = (full(a)?, full(b)?);
            // A typo would be remembered for ever and never match a file.
            for path in [&a, &b] {
                if !path.is_file() {
                    anyhow::bail!("{}: no such file", messages::shown(path));
                }
            }
            if a == b {
                anyhow::bail!(
                    "{} is named twice; give two different files",
                    messages::shown(&a)
                );
            }
            let new = store.ignore_pair(&a, &b)?;
            messages::info(if new {
                "remembered: scans will not report this pair again"
            } else {
                "this pair was remembered already"
            });
        }
        IgnoreCommand::Remove { a, b } => {
            let (a, b) = (full(a)?, full(b)?);
            if store.unignore_pair(&a, &b)? {
                messages::info("forgotten: the next scan with --all reports this pair again");
            } else {
                anyhow::bail!(
                    "{} and {} are not a remembered pair (see `lookalike ignore list`)",
                    messages::shown(&a),
                    messages::shown(&b)
                );
            }
        }
    }
    store.flush()?;
    Ok(())
}
