//! HEIC and AVIF through the system's libheif: copies of a real photo made at test time with
//! `heif-enc` (Debian: libheif-examples) are read, grouped with the original and shown in the
//! report; without libheif (`LOOKALIKE_LIBHEIF` pointed at nothing) each one is a per-file error
//! that names the package, never a silent skip. Without `heif-enc` the test prints `skipped: …`
//! and passes, unless `LOOKALIKE_REQUIRE_HEIF` is set.

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_lookalike");

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn lookalike(db: &Path, args: &[&str], libheif: Option<&str>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("--db")
        .arg(db)
        .args(args)
        .env_remove("LOOKALIKE_DB");
    match libheif {
        Some(lib) => cmd.env("LOOKALIKE_LIBHEIF", lib),
        None => cmd.env_remove("LOOKALIKE_LIBHEIF"),
    };
    cmd.stdin(Stdio::null()).output().unwrap()
}

#[test]
fn heic_and_avif_copies_are_read_or_named() {
    let dir = tempfile::tempdir().unwrap();
    let pics = dir.path().join("pics");
    fs::create_dir(&pics).unwrap();
    let original = pics.join("dragonfly.jpg");
    fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/photos/Dragonfly_by_Bolly.jpg"),
        &original,
    )
    .unwrap();
    for (name, extra) in [("phone.heic", None), ("web.avif", Some("-A"))] {
        let mut cmd = Command::new("heif-enc");
        cmd.args(["-q", "60"])
            .args(extra)
            .arg("-o")
            .arg(pics.join(name));
        match cmd.arg(&original).output() {
            Ok(out) if out.status.success() => {}
            other => {
                let reason =
                    format!("heif-enc (apt-get install libheif-examples) failed: {other:?}");
                assert!(
                    std::env::var_os("LOOKALIKE_REQUIRE_HEIF").is_none(),
                    "LOOKALIKE_REQUIRE_HEIF is set, but {reason}"
                );
                return eprintln!("skipped: {reason}");
            }
        }
    }
    let pics_arg = pics.to_str().unwrap();

    // Without libheif: one error per file naming the package; the JPEG is still indexed.
    let out = lookalike(
        &dir.path().join("db1"),
        &["scan", pics_arg],
        Some("/nonexistent/libheif.so"),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    for name in [
        "phone.heic: cannot read this HEIC/HEIF file",
        "web.avif: cannot read this AVIF file",
    ] {
        assert!(err.contains(name), "{err}");
    }
    assert_eq!(err.matches("apt-get install libheif1").count(), 2, "{err}");
    assert!(
        err.contains("1 hashed") && err.contains("2 failed"),
        "{err}"
    );

    // With it: both copies are found, with their formats, and have thumbnails in the report.
    let page = dir.path().join("report.html");
    let out = lookalike(
        &dir.path().join("db2"),
        &[
            "scan",
            pics_arg,
            "--json",
            "--groups",
            "--html",
            page.to_str().unwrap(),
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let groups: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(groups.len(), 1, "{groups:?}");
    let members = groups[0]["members"].as_array().unwrap();
    let formats: Vec<&str> = members
        .iter()
        .map(|m| m["format"].as_str().unwrap())
        .collect();
    assert_eq!(formats.len(), 3);
    assert!(
        formats.contains(&"heif") && formats.contains(&"avif"),
        "{formats:?}"
    );
    for m in &members[1..] {
        assert_eq!(
            (m["width"].as_u64(), m["height"].as_u64()),
            (Some(640), Some(480))
        );
        assert!(m["similarity"].as_f64().unwrap() > 95.0, "{m}");
    }
    let thumbnails = lookalike_tests::files_with_extension(&dir.path().join("report_files"), "jpg");
    assert_eq!(thumbnails, 3);
}
