//! `lookalike hash`: signatures as JSON lines, for other tools, or as the Parquet signatures
//! table (`--format parquet -o FILE`, [`crate::exchange::signatures`]); `--shard I/N` hashes one
//! shard of the list ([`crate::exchange::shard`]).
//!
//! `{"path":"a.jpg","width":4000,"height":3000,"format":"jpeg","signature":"4c4b5347…"}`, where
//! `signature` is the hex of `lookalike_core::Signature::to_bytes` (versioned; `m` = 40).

use std::fs::File;
use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value, json};

use crate::args::{HashArgs, TableFormat, TableOutput};
use crate::config::Config;
use crate::exchange::signatures::ParquetWriter;
use crate::image::hashing::{Engine, Probes, StageTimes};
use crate::messages;
use crate::report::json::{hex, put_path};
use crate::store::{ImageFile, Stamp, key_path};

pub fn run(config: &Config, args: &HashArgs) -> Result<()> {
    let mut files: Vec<PathBuf> = Vec::new();
    for file in &args.files {
        if file.as_os_str() == "-" {
            for line in std::io::stdin().lock().split(b'\n') {
                let mut line = line?;
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                if !line.is_empty() {
                    files.push(key_path(&line));
                }
            }
        } else {
            files.push(file.clone());
        }
    }
    if let Some(shard) = args.shard {
        let all = files.len();
        files.retain(|path| shard.contains(path));
        messages::info(format!("shard {shard}: {} of {all} files", files.len()));
    }
    let mut out = output(&args.output)?;
    // The tables hold signatures only: no probes to compute.
    let engine = Engine::with_probes(config.gpu, Probes::None);
    engine.expect(files.len());
    let times = StageTimes::default();
    for chunk in files.chunks(engine.batch_len()) {
        for (path, result) in chunk.iter().zip(engine.hash_paths(chunk, &times)?) {
            // The table holds the signature; the probe is for this program's own search.
            let (picture, (signature, _probe, _sides)) = match result {
                Ok(hashed) => hashed,
                Err(e) => {
                    messages::file_error(path, format!("{e:#}"));
                    continue;
                }
            };
            match &mut out {
                Output::Jsonl(out) => {
                    let mut object = Map::new();
                    put_path(&mut object, "path", path);
                    object.insert("width".into(), json!(picture.width));
                    object.insert("height".into(), json!(picture.height));
                    object.insert("format".into(), json!(picture.format.name()));
                    object.insert("signature".into(), json!(hex(&signature.to_bytes())));
                    writeln!(out, "{}", Value::Object(object))?;
                }
                Output::Parquet(writer) => {
                    // The table has the file's size and time, as the database export has.
                    let stamp = match std::fs::metadata(path) {
                        Ok(m) => Stamp::of(&m),
                        Err(e) => {
                            messages::file_error(path, e);
                            continue;
                        }
                    };
                    let file = ImageFile {
                        path: path.clone(),
                        stamp,
                        picture,
                    };
                    writer.push(&file, &signature)?;
                }
            }
        }
    }
    engine.finish();
    out.finish()?;
    Ok(())
}

/// An open `--format`/`--output` destination.
pub enum Output {
    Jsonl(Box<dyn Write>),
    Parquet(Box<ParquetWriter<BufWriter<File>>>),
}

/// Opens what `args` name: standard output or a file, as JSON lines or Parquet (which needs a
/// file: a binary table on a terminal helps no one).
pub fn output(args: &TableOutput) -> Result<Output> {
    let create = |path: &PathBuf| {
        File::create(path)
            .with_context(|| format!("cannot write {}", messages::shown(path)))
            .map(BufWriter::new)
    };
    Ok(match (args.format, &args.output) {
        (TableFormat::Jsonl, None) => Output::Jsonl(Box::new(std::io::stdout().lock())),
        (TableFormat::Jsonl, Some(path)) => Output::Jsonl(Box::new(create(path)?)),
        (TableFormat::Parquet, Some(path)) => {
            Output::Parquet(Box::new(ParquetWriter::new(create(path)?, path)?))
        }
        (TableFormat::Parquet, None) => {
            bail!("--format parquet writes a file: add --output FILE (e.g. -o signatures.parquet)")
        }
    })
}

impl Output {
    /// Flushes, and for Parquet writes the footer.
    pub fn finish(self) -> Result<()> {
        match self {
            Output::Jsonl(mut out) => out.flush()?,
            Output::Parquet(writer) => {
                let rows = writer.finish()?;
                messages::info(format!("{rows} images written"));
            }
        }
        Ok(())
    }
}
