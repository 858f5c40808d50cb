//! A small client of chromedriver's WebDriver HTTP API with one headless Chromium session, shared
//! by the browser-page test (`tests/tests/browser.rs`) and the review-page test
//! (`cli/tests/review.rs`). Both end when the [`WebDriver`] is dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The first of `names` on `PATH`.
pub fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// chromedriver and its session.
pub struct WebDriver {
    driver: Child,
    base: String,
    agent: ureq::Agent,
    session: String,
    _profile: tempfile::TempDir,
}

impl WebDriver {
    /// Starts chromedriver on a free port and a headless Chromium session with a fresh profile,
    /// the given extra Chromium `args`, Chromium `prefs` (e.g. the download folder) and, when
    /// given, the Chromium `binary`. `Err` says what is missing or what failed.
    pub fn start(
        args: &[String],
        prefs: Option<Value>,
        binary: Option<&Path>,
    ) -> Result<WebDriver, String> {
        if binary.is_none() {
            find_program(&["chromium", "chromium-browser", "google-chrome"])
                .ok_or("no chromium on PATH (apt-get install chromium)")?;
        }
        let chromedriver = find_program(&["chromedriver"])
            .ok_or("no chromedriver on PATH (apt-get install chromium-driver)")?;
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", chromedriver.display()))?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        let mut web = WebDriver {
            driver,
            base: format!("http://127.0.0.1:{port}"),
            agent,
            session: String::new(),
            _profile: tempfile::tempdir().map_err(|e| e.to_string())?,
        };
        let started = Instant::now();
        while web
            .agent
            .get(format!("{}/status", web.base))
            .call()
            .is_err()
        {
            if started.elapsed() > Duration::from_secs(30) {
                return Err("chromedriver did not start".into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut all_args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ]
        .iter()
        .map(|a| a.to_string())
        .collect();
        all_args.push(format!("--user-data-dir={}", web._profile.path().display()));
        all_args.extend(args.iter().cloned());
        let mut options = json!({ "args": all_args });
        if let Some(prefs) = prefs {
            options["prefs"] = prefs;
        }
        if let Some(binary) = binary {
            options["binary"] = json!(binary);
        }
        let session = web.command(
            "POST",
            "/session",
            json!({ "capabilities": { "alwaysMatch": {
                "browserName": "chrome", "goog:chromeOptions": options,
            } } }),
        )?;
        web.session = session["sessionId"]
            .as_str()
            .ok_or("no session id")?
            .to_owned();
        Ok(web)
    }

    /// One WebDriver command; `Err` carries WebDriver's error message.
    pub fn command(&self, method: &str, path: &str, body: Value) -> Result<Value, String> {
        let url = format!("{}{path}", self.base);
        let response = match method {
            "POST" => self.agent.post(&url).send_json(&body),
            "DELETE" => self.agent.delete(&url).call(),
            _ => self.agent.get(&url).call(),
        };
        let mut response = response.map_err(|e| format!("{method} {path}: {e}"))?;
        let mut value: Value = response
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_json()
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let value = value["value"].take();
        match value.get("error") {
            Some(error) => Err(format!("{method} {path}: {error}: {}", value["message"])),
            None => Ok(value),
        }
    }

    /// A command of this session; panics with WebDriver's message on an error.
    pub fn session_command(&self, method: &str, path: &str, body: Value) -> Value {
        let path = format!("/session/{}{path}", self.session);
        self.command(method, &path, body)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// chromedriver's process id (Chromium's processes are its descendants).
    pub fn driver_pid(&self) -> u32 {
        self.driver.id()
    }
}

impl Drop for WebDriver {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.command("DELETE", &format!("/session/{}", self.session), Value::Null);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
