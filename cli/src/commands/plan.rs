//! Plan files: the decisions made in the HTML report (or in the browser page of `web/`) for
//! `lookalike apply`. The format, shared with the web page (README, "Plan files"):
//!
//! ```json
//! {"format": "lookalike-plan", "version": 1, "base": "/absolute/folder or null",
//!  "groups": [ {"members": [ {"path": "a/b.jpg", "size": 12345, "mtime_ms": 1700000000123,
//!                             "decision": "keep"} ] } ]}
//! ```
//!
//! `path` is absolute, or relative to `base` (or, when `base` is null, to `apply --base DIR`).
//! This module parses and checks a plan ([`Plan::load`], [`Plan::resolve`]); it touches no file.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use serde::Deserialize;

/// The `format` field's value.
pub const FORMAT: &str = "lookalike-plan";
/// The version this program reads.
pub const VERSION: u64 = 1;

/// What to do with one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Keep,
    Remove,
    NotDuplicate,
}

/// One file of a group, as written in the plan.
#[derive(Debug, Clone, Deserialize)]
pub struct Member {
    pub path: String,
    /// The path's exact bytes, when it is not valid UTF-8 (`path` then has U+FFFD in its
    /// place): the HTML report writes them as its JSON does, so such a file can be acted on.
    #[serde(default)]
    pub path_bytes: Option<Vec<u8>>,
    pub size: u64,
    pub mtime_ms: i64,
    pub decision: Decision,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PlanGroup {
    pub members: Vec<Member>,
}

/// A parsed plan.
#[derive(Debug, Clone, Deserialize)]
pub struct Plan {
    pub version: u64,
    pub base: Option<String>,
    pub groups: Vec<PlanGroup>,
}

/// A member with its path made absolute.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub path: PathBuf,
    pub size: u64,
    pub mtime_ms: i64,
    pub decision: Decision,
}

impl Plan {
    /// Reads and parses `path`, checking `format` and `version`.
    pub fn load(path: &Path) -> Result<Plan> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the plan {}", path.display()))?;
        Plan::parse(&text).with_context(|| format!("{} is not a usable plan", path.display()))
    }

    /// Parses a plan's text.
    pub fn parse(text: &str) -> Result<Plan> {
        let value: serde_json::Value = serde_json::from_str(text).context("not JSON")?;
        if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
            bail!("its \"format\" is not \"{FORMAT}\"");
        }
        let plan: Plan = serde_json::from_value(value)?;
        if plan.version != VERSION {
            bail!(
                "it is version {}; this program reads version {VERSION}",
                plan.version
            );
        }
        Ok(plan)
    }

    /// Every group's members with absolute paths, relative ones joined to `base_override` or
    /// else the plan's `base`. Refuses a relative path without a base, a path that climbs out
    /// of its base (`..`), a file named twice, and a group that removes files and keeps none
    /// (no copy would be left: every member removed, also when the group names one file only,
    /// or the others marked not duplicates).
    pub fn resolve(&self, base_override: Option<&Path>) -> Result<Vec<Vec<Resolved>>> {
        let base = base_override
            .map(Path::to_path_buf)
            .or_else(|| self.base.as_ref().map(PathBuf::from));
        if let Some(b) = &base
            && !b.is_absolute()
        {
            bail!("the base {} is not an absolute path", b.display());
        }
        let mut seen: HashMap<PathBuf, Decision> = HashMap::new();
        let mut groups = Vec::with_capacity(self.groups.len());
        for (n, group) in self.groups.iter().enumerate() {
            let mut members = Vec::with_capacity(group.members.len());
            for m in &group.members {
                let exact = m.path_bytes.as_deref().map(path_from_bytes).transpose()?;
                let given = exact.as_deref().unwrap_or(Path::new(&m.path));
                let path = if given.is_absolute() {
                    given.to_path_buf()
                } else {
                    // `./a.jpg` is `a.jpg`; `..` could leave the base, a root would ignore it.
                    if given
                        .components()
                        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
                    {
                        bail!("the path {:?} leaves its base", given);
                    }
                    let base = base.as_ref().ok_or_else(|| {
                        anyhow!(
                            "the path {:?} is relative and the plan has no base: give the \
                             folder it is relative to with --base DIR",
                            given
                        )
                    })?;
                    base.join(given)
                };
                if let Some(old) = seen.insert(path.clone(), m.decision) {
                    if old != m.decision {
                        bail!("{} has two different decisions", path.display());
                    }
                    // Groups never share a file: a plan that names one twice was put together
                    // by hand or by another tool, and removing it twice would fail halfway.
                    bail!("{} is named twice", path.display());
                }
                members.push(Resolved {
                    path,
                    size: m.size,
                    mtime_ms: m.mtime_ms,
                    decision: m.decision,
                });
            }
            if members.is_empty() {
                // Nothing to do for it (a page's group whose files were all left out).
                continue;
            }
            let removes = members.iter().any(|m| m.decision == Decision::Remove);
            if removes && !members.iter().any(|m| m.decision == Decision::Keep) {
                // No copy of the picture would be left: the members not removed are said not
                // to be duplicates of the others. Named by a file too: the plan's group numbers
                // need not be the page's.
                let removed: Vec<&Resolved> = members
                    .iter()
                    .filter(|m| m.decision == Decision::Remove)
                    .collect();
                bail!(
                    "group {} would remove every copy ({} {} removed: {}{}; none kept{}); keep \
                     one, or remove them yourself",
                    n + 1,
                    removed.len(),
                    if removed.len() == 1 { "file" } else { "files" },
                    removed[0].path.display(),
                    if removed.len() > 1 { ", …" } else { "" },
                    if removed.len() < members.len() {
                        ", the others marked not duplicates"
                    } else {
                        ""
                    }
                );
            }
            groups.push(members);
        }
        Ok(groups)
    }
}

/// A path from its exact bytes (`path_bytes`).
#[cfg(unix)]
fn path_from_bytes(bytes: &[u8]) -> Result<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    Ok(PathBuf::from(std::ffi::OsStr::from_bytes(bytes)))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: &[u8]) -> Result<PathBuf> {
    String::from_utf8(bytes.to_vec())
        .map(PathBuf::from)
        .map_err(|_| anyhow!("path_bytes that are not UTF-8 name no file on this system"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: &str = r#"{"format": "lookalike-plan", "version": 1, "base": null,
      "groups": [{"members": [
        {"path": "a/b.jpg", "size": 12345, "mtime_ms": 1700000000123, "decision": "keep"},
        {"path": "/x/c.jpg", "size": 1, "mtime_ms": 2, "decision": "remove"},
        {"path": "d.jpg", "size": 1, "mtime_ms": -2, "decision": "not_duplicate"}]}]}"#;

    #[test]
    fn the_shared_format_parses_and_resolves() {
        let plan = Plan::parse(PLAN).unwrap();
        assert!(plan.resolve(None).is_err(), "relative paths need a base");
        let groups = plan.resolve(Some(Path::new("/base"))).unwrap();
        let paths: Vec<_> = groups[0].iter().map(|m| m.path.clone()).collect();
        assert_eq!(
            paths,
            [
                PathBuf::from("/base/a/b.jpg"),
                PathBuf::from("/x/c.jpg"),
                PathBuf::from("/base/d.jpg")
            ]
        );
        assert_eq!(groups[0][2].decision, Decision::NotDuplicate);
        assert_eq!(groups[0][0].mtime_ms, 1_700_000_000_123);
    }

    #[test]
    fn bad_plans_are_refused() {
        for (text, why) in [
            ("[]", "format"),
            (&PLAN.replace("lookalike-plan", "other"), "format"),
            (
                &PLAN.replace("\"version\": 1", "\"version\": 2"),
                "version 2",
            ),
            (&PLAN.replace("\"keep\"", "\"delete\""), "unknown variant"),
        ] {
            let e = format!("{:#}", Plan::parse(text).unwrap_err());
            assert!(e.contains(why), "{e}");
        }
        let climbing = PLAN.replace("a/b.jpg", "../b.jpg");
        let e = Plan::parse(&climbing)
            .unwrap()
            .resolve(Some(Path::new("/b")));
        assert!(format!("{:#}", e.unwrap_err()).contains("leaves its base"));
        let all_removed = PLAN
            .replace("\"keep\"", "\"remove\"")
            .replace("\"not_duplicate\"", "\"remove\"");
        let e = Plan::parse(&all_removed)
            .unwrap()
            .resolve(Some(Path::new("/b")));
        assert!(format!("{:#}", e.unwrap_err()).contains("every copy"));
        // Removed and not duplicates, none kept: no copy of the removed picture is left.
        let none_kept = PLAN.replace("\"keep\"", "\"not_duplicate\"");
        let e = Plan::parse(&none_kept)
            .unwrap()
            .resolve(Some(Path::new("/b")));
        let e = format!("{:#}", e.unwrap_err());
        assert!(
            e.contains("1 file removed: /x/c.jpg; none kept, the others marked not duplicates"),
            "{e}"
        );
        // `./a.jpg` is `a.jpg`, not a path that leaves its base.
        let dotted = PLAN.replace("\"a/b.jpg\"", "\"./a/b.jpg\"");
        let groups = Plan::parse(&dotted)
            .unwrap()
            .resolve(Some(Path::new("/base")))
            .unwrap();
        assert!(
            groups[0][0]
                .path
                .components()
                .eq(Path::new("/base/a/b.jpg").components())
        );
        // A group of one file, removed: no copy left either.
        let one = r#"{"format": "lookalike-plan", "version": 1, "base": "/b", "groups": [
          {"members": [{"path": "x.jpg", "size": 1, "mtime_ms": 2, "decision": "remove"}]}]}"#;
        let e = Plan::parse(one).unwrap().resolve(None);
        assert!(
            format!("{:#}", e.unwrap_err()).contains("every copy (1 file removed: /b/x.jpg;"),
            "one file"
        );
        // One file named in two groups, removed in both: refused before anything moves.
        let twice = r#"{"format": "lookalike-plan", "version": 1, "base": "/b", "groups": [
          {"members": [{"path": "k.jpg", "size": 1, "mtime_ms": 2, "decision": "keep"},
                       {"path": "x.jpg", "size": 1, "mtime_ms": 2, "decision": "remove"}]},
          {"members": [{"path": "j.jpg", "size": 1, "mtime_ms": 2, "decision": "keep"},
                       {"path": "x.jpg", "size": 1, "mtime_ms": 2, "decision": "remove"}]}]}"#;
        let e = Plan::parse(twice).unwrap().resolve(None);
        assert!(format!("{:#}", e.unwrap_err()).contains("x.jpg is named twice"));
    }

    #[cfg(unix)]
    #[test]
    fn path_bytes_name_a_file_whose_name_is_not_utf8() {
        use std::os::unix::ffi::OsStrExt;
        // "c\xff.jpg": `path` says "c\u{FFFD}.jpg", `path_bytes` the real name.
        let plan = r#"{"format": "lookalike-plan", "version": 1, "base": null, "groups": [
          {"members": [{"path": "/p/k.jpg", "size": 1, "mtime_ms": 2, "decision": "keep"},
                       {"path": "/p/c\ufffd.jpg", "path_bytes": [47, 112, 47, 99, 255, 46, 106, 112, 103],
                        "size": 1, "mtime_ms": 2, "decision": "remove"}]}]}"#;
        let groups = Plan::parse(plan).unwrap().resolve(None).unwrap();
        assert_eq!(groups[0][1].path.as_os_str().as_bytes(), b"/p/c\xff.jpg");
        assert_eq!(groups[0][0].path, Path::new("/p/k.jpg"));
    }
}
