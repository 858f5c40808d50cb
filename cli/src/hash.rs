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
use crate::messages;
use crate::pipeline::{Hashing, Timings};
use crate::report;

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

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
                    files.push(crate::store::key_path(&line));
                }
            }
        } else {
            files.push(file.clone());
        }
    }
    let hashing = Hashing::new(config.gpu)?;
    messages::info(format!("hashing on {}", hashing.description()));
    let timings = Timings::default();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for chunk in files.chunks(hashing.batch_len()) {
        for (path, result) in chunk.iter().zip(hashing.hash_paths(chunk, &timings)) {
            match result {
                Ok(h) => {
                    let mut object = Map::new();
                    report::json::put_path(&mut object, "path", path);
                    object.insert("width".into(), json!(h.width));
                    object.insert("height".into(), json!(h.height));
                    object.insert("format".into(), json!(h.format.name()));
                    object.insert("signature".into(), json!(hex(&h.signature.to_bytes())));
                    writeln!(out, "{}", Value::Object(object))?;
                }
                Err(e) => messages::file_error(path, format!("{e:#}")),
            }
        }
    }
    Ok(())
}
