//! Which optional test groups this machine can run, in one line.
//!
//! `cargo test --workspace` passes on a machine with nothing but a Rust toolchain: the groups that
//! need a system tool skip themselves (each says why in its own output). This test looks for the
//! same tools and prints a single summary line, outside the captured test output, naming the
//! groups that were skipped and the one command that installs what they need, e.g.
//!
//! ```text
//! lookalike tests: skipped videos (no ffmpeg), GPU vs CPU (no Vulkan adapter) — `sudo .ci/install-deps` installs what they need
//! ```
//!
//! With `LOOKALIKE_REQUIRE_FFMPEG`, `_GPU`, `_HEIF`, `_DUCKDB` or `_BROWSER` set (as
//! `.ci/run` sets them), a missing tool of that group fails this test, as it fails the group's
//! own tests.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use lookalike_gpu::{BackendRequest, GpuError, Hasher};

/// One optional group: what it is called, the variable that makes a skip a failure, and why
/// it cannot run here (`None`: it can).
struct Group {
    name: &'static str,
    require: &'static str,
    missing: Option<String>,
}

fn required(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| !v.is_empty() && v != "0")
}

fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

fn runs(program: &Path, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn ffmpeg_missing() -> Option<String> {
    let ok = on_path(&["ffmpeg"]).is_some_and(|p| runs(&p, "-version"))
        && on_path(&["ffprobe"]).is_some_and(|p| runs(&p, "-version"));
    (!ok).then(|| "no ffmpeg".to_owned())
}

fn vulkan_missing() -> Option<String> {
    match Hasher::new(BackendRequest::Gpu) {
        Ok(_) => None,
        Err(GpuError::NoAdapter(_)) => Some("no Vulkan adapter".to_owned()),
        Err(e) => Some(format!("GPU path failed: {e}")),
    }
}

fn heif_missing() -> Option<String> {
    let libheif = [
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
        "/usr/lib",
        "/usr/local/lib",
    ]
    .iter()
    .any(|dir| Path::new(dir).join("libheif.so.1").exists());
    let mut missing = Vec::new();
    if !libheif {
        missing.push("no libheif");
    }
    if on_path(&["heif-enc"]).is_none() {
        missing.push("no heif-enc");
    }
    (!missing.is_empty()).then(|| missing.join(", "))
}

fn duckdb_missing() -> Option<String> {
    let ok = Command::new("python3")
        .args(["-c", "import duckdb"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    (!ok).then(|| "no duckdb Python package".to_owned())
}

fn browser_missing() -> Option<String> {
    let mut missing = Vec::new();
    if on_path(&["chromium", "chromium-browser", "google-chrome"]).is_none() {
        missing.push("no Chromium");
    }
    if on_path(&["chromedriver"]).is_none() {
        missing.push("no chromedriver");
    }
    let rustup_target = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("wasm32-unknown-unknown"));
    let debian_route = Path::new("/usr/bin/cargo").is_file()
        && Path::new("/usr/lib/rustlib/src/rust/library").is_dir();
    if !rustup_target && !debian_route {
        missing.push("no wasm32 toolchain");
    }
    if on_path(&["wasm-bindgen"]).is_none() {
        missing.push("no wasm-bindgen");
    }
    (!missing.is_empty()).then(|| missing.join(", "))
}

#[test]
fn optional_test_groups_are_summarised_in_one_line() {
    let groups = [
        Group {
            name: "videos",
            require: "LOOKALIKE_REQUIRE_FFMPEG",
            missing: ffmpeg_missing(),
        },
        Group {
            name: "GPU vs CPU",
            require: "LOOKALIKE_REQUIRE_GPU",
            missing: vulkan_missing(),
        },
        Group {
            name: "HEIC/AVIF",
            require: "LOOKALIKE_REQUIRE_HEIF",
            missing: heif_missing(),
        },
        Group {
            name: "SQL pairs in DuckDB",
            require: "LOOKALIKE_REQUIRE_DUCKDB",
            missing: duckdb_missing(),
        },
        Group {
            name: "browser page",
            require: "LOOKALIKE_REQUIRE_BROWSER",
            missing: browser_missing(),
        },
    ];
    let skipped: Vec<String> = groups
        .iter()
        .filter_map(|g| Some(format!("{} ({})", g.name, g.missing.as_ref()?)))
        .collect();
    let line = if skipped.is_empty() {
        "lookalike tests: every optional group ran (ffmpeg, Vulkan, libheif, DuckDB, Chromium and the wasm toolchain found)\n"
            .to_owned()
    } else {
        format!(
            "lookalike tests: skipped {} — `sudo .ci/install-deps` installs what they need\n",
            skipped.join(", ")
        )
    };
    // Straight to stderr, past the test harness's capture, so that the line shows in a normal run.
    let _ = std::io::stderr().write_all(line.as_bytes());
    for group in &groups {
        if let Some(why) = &group.missing {
            assert!(
                !required(group.require),
                "{} is set, but the {} tests cannot run: {why}",
                group.require,
                group.name
            );
        }
    }
}
