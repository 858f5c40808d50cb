//! `lookalike hash`: signatures as JSON lines, for other tools.
//!
//! `{"path":"a.jpg","width":4000,"height":3000,"format":"jpeg","signature":"4c4b5347…"}`, where
//! `signature` is the hex of `lookalike_core::Signature::to_bytes` (versioned; `m` = 40).

use std::io::{BufRead, Write};
use std::path::PathBuf;

use anyhow::Result;
use serde_json::{Map, Value, json};

use crate::args::HashArgs;
use crate::config::Config;
use crate::image::hashing::{Engine, StageTimes};
use crate::messages;
use crate::report::json::{hex, put_path};
use crate::store::key_path;

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
    let engine = Engine::new(config.gpu);
    engine.expect(files.len());
    let times = StageTimes::default();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for chunk in files.chunks(engine.batch_len()) {
        for (path, result) in chunk.iter().zip(engine.hash_paths(chunk, &times)?) {
            match result {
                Ok((picture, signature)) => {
                    let mut object = Map::new();
                    put_path(&mut object, "path", path);
                    object.insert("width".into(), json!(picture.width));
                    object.insert("height".into(), json!(picture.height));
                    object.insert("format".into(), json!(picture.format.name()));
                    object.insert("signature".into(), json!(hex(&signature.to_bytes())));
                    writeln!(out, "{}", Value::Object(object))?;
                }
                Err(e) => messages::file_error(path, format!("{e:#}")),
            }
        }
    }
    engine.finish();
    Ok(())
}
