//! JSON lines: one object per match, with stable field names:
//!
//! ```json
//! {"group":1,"similarity":97.12,"score":-38.4,
//!  "keep":{"path":"/p/a.jpg","bytes":3201123,"width":4000,"height":3000,"format":"jpeg","modified_ns":…},
//!  "remove":{…},"turn":null,"crop":null}
//! ```
//!
//! `turn` is `null` when the two match as they are, else how `remove` looks next to `keep`:
//! `"mirrored"`, `"rotated 90°"`, `"rotated 180°"` or `"rotated 270°"` (clockwise), and with
//! `--all-turns` also `"flipped upside down"`, `"rotated 90° and mirrored"` or `"rotated 270°
//! and mirrored"`. `crop` is
//! `null` when the two match whole, else `"cropped"` when `remove` looks like the middle of
//! `keep` (matched through `keep`'s cropped probe) or `"wider"` when `keep` looks like the
//! middle of `remove`.
//!
//! With `--groups`, one object per group instead ([`write_groups`]): the keeper first, every
//! member with its similarity to the keeper (`null` for the keeper, and for a member joined to the
//! group through others only), whether it is such a member (`via_others`: like another member,
//! not like the keeper), how it looks next to the keeper (`turn` and `crop`, as above) and whether it is in a
//! reference folder:
//!
//! ```json
//! {"group":1,"sureness":97.12,"keep":{"path":"/p/a.jpg",…},
//!  "members":[{"path":"/p/a.jpg",…,"similarity":null,"via_others":false,"turn":null,"crop":null,"reference":false},
//!             {"path":"/p/b.jpg",…,"similarity":97.12,"via_others":false,"turn":"mirrored","crop":null,"reference":false}]}
//! ```
//!
//! `path` is the file name as UTF-8. A name that is not valid UTF-8 (possible on Unix) has
//! `path` with U+FFFD replacements and, in addition, `path_bytes`: the exact bytes as an array
//! of numbers, so no name is ever lost.

use std::io::Write;
use std::path::Path;

use serde_json::{Map, Value, json};

use super::{Group, Match};
use crate::store::{ImageFile, path_key};

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
            let bytes = path_key(path);
            object.insert(format!("{key}_bytes"), json!(bytes));
        }
    }
}

/// One file as a JSON object: `path`, `bytes`, `width`, `height`, `format`, `modified_ns`.
pub fn file(f: &ImageFile) -> Map<String, Value> {
    let mut object = Map::new();
    put_path(&mut object, "path", &f.path);
    object.insert("bytes".into(), json!(f.stamp.size));
    object.insert("width".into(), json!(f.picture.width));
    object.insert("height".into(), json!(f.picture.height));
    object.insert("format".into(), json!(f.picture.format.name()));
    object.insert("modified_ns".into(), json!(f.stamp.mtime_ns));
    object
}

/// Lower-case hex (of signature bytes).
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
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
        "keep": file(&m.keep),
        "remove": file(&m.remove),
        "turn": m.look.turn.label(),
        "crop": m.look.framing.label(),
    })
}

/// Every match, one per line.
pub fn write(matches: &[Match], out: &mut impl Write) -> std::io::Result<()> {
    for m in matches {
        writeln!(out, "{}", one(m))?;
    }
    Ok(())
}

/// One group as a JSON object (see the module docs).
pub fn group(g: &Group) -> Value {
    let members: Vec<Value> = g
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let mut o = file(m);
            let s = g.to_keeper.get(i).copied().flatten();
            o.insert("similarity".into(), json!(s.map(round2)));
            o.insert("via_others".into(), json!(i > 0 && s.is_none()));
            o.insert("turn".into(), json!(g.look(i).turn.label()));
            o.insert("crop".into(), json!(g.look(i).framing.label()));
            let r = g.reference.get(i).copied().unwrap_or(false);
            o.insert("reference".into(), json!(r));
            Value::Object(o)
        })
        .collect();
    let sureness = g.sureness();
    json!({
        "group": g.number,
        "sureness": sureness.is_finite().then(|| round2(sureness)),
        "keep": g.members.first().map(file),
        "members": members,
    })
}

/// Every group, one per line.
pub fn write_groups(groups: &[Group], out: &mut impl Write) -> std::io::Result<()> {
    for g in groups {
        writeln!(out, "{}", group(g))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_rounding() {
        assert_eq!(hex(&[0x4c, 0x4b, 0x00, 0xff]), "4c4b00ff");
        assert_eq!(round2(97.126), 97.13);
    }
}
