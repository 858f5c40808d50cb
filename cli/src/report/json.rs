//! JSON lines: one object per match, with stable field names:
//!
//! ```json
//! {"group":1,"similarity":97.12,"score":-38.4,
//!  "keep":{"path":"/p/a.jpg","bytes":3201123,"width":4000,"height":3000,"format":"jpeg","modified_ns":…},
//!  "remove":{…}}
//! ```
//!
//! `path` is the file name as UTF-8. A name that is not valid UTF-8 (possible on Unix) has
//! `path` with U+FFFD replacements and, in addition, `path_bytes`: the exact bytes as an array
//! of numbers, so no name is ever lost.

use std::io::Write;
use std::path::Path;

use serde_json::{Map, Value, json};

use super::{Match, Member};

/// `path` (and `path_bytes` when needed) into `object`.
pub fn put_path(object: &mut Map<String, Value>, key: &str, path: &Path) {
    match path.to_str() {
        Some(text) => {
            object.insert(key.into(), Value::String(text.into()));
        }
        None => {
            object.insert(
                key.into(),
                Value::String(path.to_string_lossy().into_owned()),
            );
            let bytes = crate::store::path_key(path);
            object.insert(format!("{key}_bytes"), json!(bytes));
        }
    }
}

/// One file as a JSON object.
pub fn member(m: &Member) -> Value {
    let mut object = Map::new();
    put_path(&mut object, "path", &m.path);
    object.insert("bytes".into(), json!(m.size));
    object.insert("width".into(), json!(m.width));
    object.insert("height".into(), json!(m.height));
    object.insert("format".into(), json!(m.format.name()));
    object.insert("modified_ns".into(), json!(m.mtime_ns));
    Value::Object(object)
}

/// Rounds to two decimals for output.
pub fn round2(v: f32) -> f64 {
    (f64::from(v) * 100.0).round() / 100.0
}

/// One match as a JSON object.
pub fn one(m: &Match) -> Value {
    json!({
        "group": m.group,
        "similarity": round2(m.similarity),
        "score": round2(m.score),
        "keep": member(&m.keep),
        "remove": member(&m.remove),
    })
}

/// Every match, one per line.
pub fn write(matches: &[Match], out: &mut impl Write) -> std::io::Result<()> {
    for m in matches {
        writeln!(out, "{}", one(m))?;
    }
    Ok(())
}
