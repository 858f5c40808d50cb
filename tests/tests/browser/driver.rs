//! Headless Chromium through chromedriver's WebDriver HTTP API, and building the page first.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use lookalike_tests::webdriver::{WebDriver, find_program};
use serde_json::{Value, json};

/// How long the page may take to load, or to hash everything (a hang guard, not a timing test).
pub const PATIENCE: Duration = Duration::from_secs(180);

/// Runs `web/build.sh` when the page's wasm is missing or older than the Rust it is built from.
/// `Err` (a reason to skip) only when the wasm toolchain is missing (the script's exit code 2).
fn ensure_page_built() -> Result<(), String> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let built = repo.join("web/www/pkg/lookalike_web_wasm.js");
    let modified = |p: &Path| {
        p.metadata()
            .and_then(|m| m.modified())
            .unwrap_or(SystemTime::UNIX_EPOCH)
    };
    let mut newest = SystemTime::UNIX_EPOCH;
    let mut stack: Vec<PathBuf> = [
        "core/src",
        "core/Cargo.toml",
        "web/src",
        "web/Cargo.toml",
        "Cargo.lock",
    ]
    .iter()
    .map(|p| repo.join(p))
    .collect();
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else {
            newest = newest.max(modified(&path));
        }
    }
    if built.is_file() && modified(&built) >= newest {
        return Ok(());
    }
    eprintln!("browser: building the page with web/build.sh");
    let output = Command::new(repo.join("web/build.sh"))
        .output()
        .map_err(|e| format!("cannot run web/build.sh: {e}"))?;
    let log = String::from_utf8_lossy(&output.stderr);
    match output.status.code() {
        Some(0) => Ok(()),
        Some(2) => Err(format!("no wasm toolchain: {}", log.trim())),
        _ => panic!("web/build.sh failed ({}):\n{log}", output.status),
    }
}

/// chromedriver with one headless Chromium session; both end when this is dropped.
pub struct Browser {
    web: WebDriver,
}

impl Browser {
    pub fn start() -> Result<Browser, String> {
        let chromium = std::env::var_os("LOOKALIKE_CHROMIUM").map(PathBuf::from);
        if chromium.is_none() {
            find_program(&["chromium", "chromium-browser", "google-chrome"])
                .ok_or("no chromium on PATH (apt-get install chromium)")?;
        }
        find_program(&["chromedriver"])
            .ok_or("no chromedriver on PATH (apt-get install chromium-driver)")?;
        ensure_page_built()?;
        let web = WebDriver::start(&[], None, chromium.as_deref())?;
        Ok(Browser { web })
    }

    fn session_command(&self, method: &str, path: &str, body: Value) -> Value {
        self.web.session_command(method, path, body)
    }

    pub fn open(&self, url: &str) {
        self.session_command("POST", "/url", json!({ "url": url }));
        let state = self.wait(|| {
            let state: String = self.run("return document.body.dataset.state", []);
            (state != "loading").then_some(state)
        });
        let status: String = self.run("return document.querySelector('#status').textContent", []);
        assert_eq!(state, "ready", "the page did not start: {status}");
    }

    /// Runs a script (a function body) and converts its return value.
    pub fn run<T: serde::de::DeserializeOwned, const N: usize>(
        &self,
        script: &str,
        args: [Value; N],
    ) -> T {
        let value = self.session_command(
            "POST",
            "/execute/sync",
            json!({ "script": script, "args": &args[..] }),
        );
        serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{script}: {e}: {value}"))
    }

    /// Awaits a promise-valued expression; a rejection comes back as `"error: <message>"`.
    pub fn run_async<T: serde::de::DeserializeOwned, const N: usize>(
        &self,
        expression: &str,
        args: [Value; N],
    ) -> T {
        let script = format!(
            "const done = arguments[arguments.length - 1];
             Promise.resolve().then(() => {expression}).then(done, (e) => done('error: ' + e.message));"
        );
        let value = self.session_command(
            "POST",
            "/execute/async",
            json!({ "script": script, "args": &args[..] }),
        );
        serde_json::from_value(value.clone())
            .unwrap_or_else(|e| panic!("{expression}: {e}: {value}"))
    }

    pub fn element(&self, css: &str) -> String {
        let found = self.session_command(
            "POST",
            "/element",
            json!({ "using": "css selector", "value": css }),
        );
        match found["element-6066-11e4-a52e-4f735466cecf"].as_str() {
            Some(id) => id.to_owned(),
            None => panic!("{css}: {found}"),
        }
    }

    /// Chooses files in an `<input type="file">` (WebDriver "send keys" with the paths).
    pub fn send_files(&self, element: &str, files: &[PathBuf]) {
        let text: Vec<String> = files
            .iter()
            .map(|p| p.canonicalize().unwrap().display().to_string())
            .collect();
        self.session_command(
            "POST",
            &format!("/element/{element}/value"),
            json!({ "text": text.join("\n") }),
        );
    }

    /// Polls until `check` returns something; panics after [`PATIENCE`].
    pub fn wait<T>(&self, mut check: impl FnMut() -> Option<T>) -> T {
        let started = Instant::now();
        loop {
            if let Some(value) = check() {
                return value;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "the page did not get there in {PATIENCE:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn wait_for_hashing(&self, count: usize) -> Value {
        let started = Instant::now();
        loop {
            let summary: Value = self.run("return lookalikeTest.summary()", []);
            if summary["state"] == "done" && summary["done"] == count {
                return summary;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "hashing {count} images did not end in {PATIENCE:?}: {} {}",
                summary["status"],
                summary["errors"]
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Browser {
    /// The memory the browser holds: the proportional set size (PSS, shared pages split among
    /// their users) of every process under chromedriver, from `/proc` (Linux), in bytes.
    pub fn memory_bytes(&self) -> u64 {
        self.memory_by_process()
            .iter()
            .map(|(_, bytes)| bytes)
            .sum()
    }

    /// [`Browser::memory_bytes`] by process, largest first: `(kind, PSS bytes)`, the kind being
    /// Chromium's `--type=` (`renderer`, `gpu-process`, …), `browser` or `chromedriver`.
    pub fn memory_by_process(&self) -> Vec<(String, u64)> {
        let ours = self.processes();
        let mut found: Vec<(String, u64)> = ours
            .iter()
            .map(|pid| {
                let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"));
                let bytes = rollup
                    .unwrap_or_default()
                    .lines()
                    .find_map(|l| l.strip_prefix("Pss:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                    .map_or(0, |kb| kb * 1024);
                let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                let cmdline = String::from_utf8_lossy(&cmdline);
                let kind = match cmdline
                    .split(['\0', ' '])
                    .find_map(|a| a.strip_prefix("--type="))
                {
                    Some(kind) => kind.to_owned(),
                    None if *pid == self.web.driver_pid() => "chromedriver".to_owned(),
                    None => "browser".to_owned(),
                };
                (kind, bytes)
            })
            .collect();
        found.sort_by_key(|(_, bytes)| std::cmp::Reverse(*bytes));
        found
    }

    /// CPU time (user + system) that the browser's processes have used so far, in seconds,
    /// from `/proc/PID/stat` (Linux; clock ticks of 1/100 s). Unlike wall time, it does not grow
    /// when other programs load the machine.
    pub fn cpu_seconds(&self) -> f64 {
        let ticks: u64 = self
            .processes()
            .iter()
            .map(|pid| {
                let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
                let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
                // After the name: state ppid … utime (12th) stime (13th).
                let field = |n: usize| -> u64 {
                    after
                        .split_whitespace()
                        .nth(n)
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0)
                };
                field(11) + field(12)
            })
            .sum();
        ticks as f64 / 100.0
    }

    /// Process ids of chromedriver and everything it started (Linux `/proc`).
    fn processes(&self) -> Vec<u32> {
        let mut parent_of = Vec::new();
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            // pid (name) state ppid …: the name may hold spaces, so read after the last ')'.
            let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
            if let Some(ppid) = after.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
                parent_of.push((pid, ppid));
            }
        }
        let mut ours = vec![self.web.driver_pid()];
        let mut grew = true;
        while grew {
            grew = false;
            for &(pid, ppid) in &parent_of {
                if ours.contains(&ppid) && !ours.contains(&pid) {
                    ours.push(pid);
                    grew = true;
                }
            }
        }
        ours
    }
}
