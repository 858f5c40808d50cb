//! Reviewing what was found, end to end: `scan --html` writes the report; headless Chromium
//! (driven through chromedriver's WebDriver HTTP API) opens it from disk, clicks decisions and
//! downloads the plan; `lookalike apply` carries it out into a temporary trash (HOME and
//! XDG_DATA_HOME point into a temporary folder, so the real trash is never touched); the index
//! and the "not a duplicate" list are checked afterwards, and `ignore remove` undoes one.
//!
//! Needs `chromium` and `chromedriver` on PATH; without them the browser part prints
//! `skipped: …` and passes, unless `LOOKALIKE_REQUIRE_BROWSER` is set. The ignored test
//! `report_opens_fast` times a 10 000-group report (README, "The HTML report").

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use image::imageops::FilterType;
use lookalike_tests::webdriver::WebDriver;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_lookalike");

fn photo(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../tests/photos/{name}.jpg"))
}

/// A temporary folder: `pics/` (images), `db/`, `home/` (HOME and XDG_DATA_HOME), `downloads/`.
struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["pics", "home/data", "downloads"] {
            fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        Env { dir }
    }

    fn path(&self, sub: &str) -> PathBuf {
        self.dir.path().join(sub).canonicalize().unwrap()
    }

    fn trash(&self) -> PathBuf {
        self.path("home/data").join("Trash")
    }

    /// `name` in pics/: the photo `original`, scaled by `scale`, saved as JPEG or PNG by `name`.
    fn copy(&self, original: &str, scale: f32, name: &str) -> PathBuf {
        let img = image::open(photo(original)).unwrap();
        let (w, h) = (img.width() as f32 * scale, img.height() as f32 * scale);
        let img = img.resize_exact(w as u32, h as u32, FilterType::Triangle);
        let to = self.path("pics").join(name);
        img.to_rgb8().save(&to).unwrap();
        to
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_in(Path::new("."), args)
    }

    /// [`Env::run`] from the folder `cwd`.
    fn run_in(&self, cwd: &Path, args: &[&str]) -> Output {
        let home = self.path("home");
        Command::new(BIN)
            .current_dir(cwd)
            .arg("--db")
            .arg(self.dir.path().join("db"))
            .args(args)
            .env_remove("LOOKALIKE_DB")
            .env("HOME", &home)
            .env("XDG_DATA_HOME", home.join("data"))
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// `scan DIR --all --json --groups EXTRA…`: one JSON value per group.
    fn groups(&self, dir: &Path, extra: &[&str]) -> Vec<Value> {
        self.groups_in(Path::new("."), dir, extra)
    }

    /// [`Env::groups`] from the folder `cwd`.
    fn groups_in(&self, cwd: &Path, dir: &Path, extra: &[&str]) -> Vec<Value> {
        let mut args = vec!["scan", dir.to_str().unwrap(), "--all", "--json", "--groups"];
        args.extend_from_slice(extra);
        let out = self.run_in(cwd, &args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// `scan pics --all --json`: the pairs as sorted file-name pairs.
    fn pairs(&self) -> BTreeSet<(String, String)> {
        let pics = self.path("pics");
        let out = self.run(&["scan", pics.to_str().unwrap(), "--all", "--json"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                let name = |f: &Value| {
                    Path::new(f["path"].as_str().unwrap())
                        .file_name()
                        .unwrap()
                        .to_string_lossy()
                        .into_owned()
                };
                let (a, b) = (name(&v["keep"]), name(&v["remove"]));
                (a.clone().min(b.clone()), a.max(b))
            })
            .collect()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn pair(a: &str, b: &str) -> (String, String) {
    (a.min(b).to_owned(), a.max(b).to_owned())
}

#[test]
fn report_to_plan_to_trash_and_not_a_duplicate_is_remembered() {
    let env = Env::new();
    let pics = env.path("pics");
    fs::copy(photo("Dragonfly_by_Bolly"), pics.join("dragonfly.jpg")).unwrap();
    env.copy("Dragonfly_by_Bolly", 0.5, "dragonfly small.jpg");
    env.copy("Dragonfly_by_Bolly", 0.8, "dragonfly.png");
    fs::copy(photo("Bridge_by_Sander_Klootwijk"), pics.join("bridge.jpg")).unwrap();
    env.copy(
        "Bridge_by_Sander_Klootwijk",
        0.6,
        "bridge <i>copy &amp;.jpg",
    );
    fs::copy(photo("Fossa_by_Jasper_Roks"), pics.join("fossa.jpg")).unwrap();
    let all = BTreeSet::from([
        pair("dragonfly.jpg", "dragonfly small.jpg"),
        pair("dragonfly.jpg", "dragonfly.png"),
        pair("dragonfly small.jpg", "dragonfly.png"),
        pair("bridge.jpg", "bridge <i>copy &amp;.jpg"),
    ]);

    let page = env.path("downloads").join("report.html");
    let out = env.run(&[
        "scan",
        pics.to_str().unwrap(),
        "--html",
        page.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(env.pairs(), all);
    let html = fs::read_to_string(&page).unwrap();
    assert!(html.contains("connect-src 'none'"));
    let thumbnails =
        lookalike_tests::files_with_extension(&page.with_file_name("report_files"), "jpg");
    assert_eq!(thumbnails, 5);

    // The grouped JSON: one object per group, the keeper first.
    let groups = env.groups(&pics, &[]);
    assert_eq!(groups.len(), 2);
    let dragonflies = groups
        .iter()
        .find(|g| g["members"].as_array().unwrap().len() == 3)
        .unwrap();
    assert!(
        dragonflies["keep"]["path"]
            .as_str()
            .unwrap()
            .ends_with("/dragonfly.jpg")
    );
    assert!(dragonflies["members"][0]["similarity"].is_null());
    assert!(dragonflies["members"][1]["similarity"].as_f64().unwrap() > 90.0);

    // ---- the page: decisions clicked, plan downloaded
    let plan_path = env.path("downloads").join("lookalike-plan.json");
    match Browser::start(&env.path("downloads")) {
        Ok(browser) => {
            browser.open(&page);
            let cards: u64 =
                browser.run("return document.querySelectorAll('section.group').length");
            assert_eq!(cards, 2);
            // The first card's keeper is marked, and thumbnails load from report_files/.
            let keeper: String = browser
                .run("return document.querySelector('.group .member.keeper .tag').textContent");
            assert!(keeper.starts_with("proposed keeper"), "{keeper}");
            // A name with markup is shown as text.
            let markup: u64 = browser.run("return document.querySelectorAll('.path i').length");
            assert_eq!(markup, 0);
            let shown: bool = browser.run(
                "return [...document.querySelectorAll('.path')].some(p => p.textContent.endsWith('/bridge <i>copy &amp;.jpg'))",
            );
            assert!(shown);
            let loaded: bool = browser.wait(|| {
                let n: u64 = browser.run(
                    "return [...document.images].filter(i => i.complete && i.naturalWidth > 0).length",
                );
                (n == 5).then_some(true)
            });
            assert!(loaded);
            browser.click_decision("dragonfly.png", "not_duplicate");
            browser.click_decision("dragonfly small.jpg", "remove");
            let count =
                || -> String { browser.run("return document.querySelector('#count').textContent") };
            assert_eq!(count(), "1 of 2 groups reviewed");
            browser.click("//section[.//div[@class='path' and contains(., 'bridge')]]//button[@class='confirm']");
            assert_eq!(count(), "2 of 2 groups reviewed");
            // Both bridges marked remove, or one removed and the other said not to be a
            // duplicate: no copy kept. The page says why `apply` would refuse the plan, naming
            // the group by its card's number, and downloads nothing.
            let problem = || -> String {
                browser.click("//button[@id='download']");
                browser.run(
                    "const p = document.querySelector('#plan-problem'); return p.hidden ? '' : p.textContent",
                )
            };
            let card: String = browser.run(
                "return [...document.querySelectorAll('section')].find(s => s.textContent.includes('bridge.jpg')).querySelector('h2').textContent.split(' ·')[0]",
            );
            for decision in ["remove", "not_duplicate"] {
                browser.click_decision("bridge.jpg", decision);
                let why = problem();
                assert!(
                    why.contains("would remove every copy")
                        && why.starts_with(&format!("{card} (")),
                    "{decision}: {why} ({card})"
                );
                assert!(!plan_path.exists());
            }
            browser.click_decision("bridge.jpg", "keep");
            browser.click("//button[@id='download']");
            browser.wait(|| plan_path.exists().then_some(()));
        }
        Err(reason) => {
            if std::env::var_os("LOOKALIKE_REQUIRE_BROWSER").is_some() {
                panic!("LOOKALIKE_REQUIRE_BROWSER is set, but {reason}");
            }
            eprintln!("skipped the browser part: {reason}; writing the plan the page would");
            let m = |name: &str, decision: &str| {
                let p = pics.join(name);
                let meta = fs::metadata(&p).unwrap();
                let ms = meta
                    .modified()
                    .unwrap()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_millis() as i64;
                json!({"path": p, "size": meta.len(), "mtime_ms": ms, "decision": decision})
            };
            let plan = json!({"format": "lookalike-plan", "version": 1, "base": null, "groups": [
                {"members": [m("dragonfly.jpg", "keep"), m("dragonfly.png", "not_duplicate"),
                             m("dragonfly small.jpg", "remove")]},
                {"members": [m("bridge.jpg", "keep"), m("bridge <i>copy &amp;.jpg", "remove")]}]});
            fs::write(&plan_path, plan.to_string()).unwrap();
        }
    }
    let plan: Value = serde_json::from_str(&fs::read_to_string(&plan_path).unwrap()).unwrap();
    assert_eq!(plan["format"], "lookalike-plan");
    assert_eq!(plan["groups"].as_array().unwrap().len(), 2);

    // ---- apply: a dry run changes nothing; the real run moves two files to the trash
    let plan_arg = plan_path.to_str().unwrap();
    let out = env.run(&["apply", plan_arg, "--dry-run"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("would move to the trash"),
        "{}",
        text(&out.stdout)
    );
    assert!(pics.join("bridge <i>copy &amp;.jpg").exists());
    let out = env.run(&["apply", plan_arg]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert_eq!(said.lines().count(), 5, "one line per file: {said}");
    for gone in ["dragonfly small.jpg", "bridge <i>copy &amp;.jpg"] {
        assert!(!pics.join(gone).exists(), "{gone} is still there");
        assert!(
            env.trash().join("files").join(gone).exists(),
            "{gone} not in the trash"
        );
        let info = fs::read_to_string(env.trash().join(format!("info/{gone}.trashinfo"))).unwrap();
        assert!(
            info.contains(&format!("Path={}/", pics.display())),
            "{info}"
        );
    }
    for kept in ["dragonfly.jpg", "dragonfly.png", "bridge.jpg", "fossa.jpg"] {
        assert!(pics.join(kept).exists(), "{kept} was moved");
    }

    // The index forgot the trashed files; the "not a duplicate" pair is never reported again.
    let stored = |env: &Env| -> BTreeSet<String> {
        let out = env.run(&["db", "export"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                let path = v["path"].as_str().unwrap().to_owned();
                path.rsplit('/').next().unwrap().to_owned()
            })
            .collect()
    };
    let remaining: BTreeSet<String> = ["dragonfly.jpg", "dragonfly.png", "bridge.jpg", "fossa.jpg"]
        .map(String::from)
        .into();
    assert_eq!(
        stored(&env),
        remaining,
        "the index forgot exactly the trashed files"
    );
    assert_eq!(env.pairs(), BTreeSet::new());
    assert_eq!(
        stored(&env),
        remaining,
        "and a rescan finds nothing to add or drop"
    );
    let listed = env.run(&["ignore", "list"]);
    let listed = text(&listed.stdout);
    assert_eq!(listed.lines().count(), 2, "{listed}");
    assert!(listed.contains("dragonfly.png"));

    // Applying the same plan again: its files are gone, so nothing at all is done (exit 2).
    let out = env.run(&["apply", plan_arg]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("dragonfly small.jpg"),
        "{}",
        text(&out.stderr)
    );

    // Undo: forgotten, the pair is reported again.
    let (a, b) = (pics.join("dragonfly.jpg"), pics.join("dragonfly.png"));
    let out = env.run(&["ignore", "remove", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        env.pairs(),
        BTreeSet::from([pair("dragonfly.jpg", "dragonfly.png")])
    );
}

#[test]
fn a_changed_file_stops_the_whole_plan() {
    let env = Env::new();
    let pics = env.path("pics");
    let keep = pics.join("a.jpg");
    fs::copy(photo("Dragonfly_by_Bolly"), &keep).unwrap();
    let copy = env.copy("Dragonfly_by_Bolly", 0.5, "b.jpg");
    let stamp = |p: &Path| {
        let meta = fs::metadata(p).unwrap();
        let ms = meta
            .modified()
            .unwrap()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        (meta.len(), ms)
    };
    let (ks, km) = stamp(&keep);
    let (cs, cm) = stamp(&copy);
    // Relative paths and no base: --base is needed.
    let plan = json!({"format": "lookalike-plan", "version": 1, "base": null, "groups": [{"members": [
        {"path": "a.jpg", "size": ks, "mtime_ms": km, "decision": "keep"},
        {"path": "b.jpg", "size": cs + 1, "mtime_ms": cm, "decision": "remove"}]}]});
    let plan_path = env.path("downloads").join("plan.json");
    fs::write(&plan_path, plan.to_string()).unwrap();
    let out = env.run(&["apply", plan_path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--base"),
        "{}",
        text(&out.stderr)
    );
    let out = env.run(&[
        "apply",
        plan_path.to_str().unwrap(),
        "--base",
        pics.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("b.jpg: changed since the plan was made"),
        "{err}"
    );
    assert!(!err.contains("a.jpg:"), "{err}");
    assert!(copy.exists());

    // With the right size, --to moves it into a review folder that scans leave out.
    let fixed = plan
        .to_string()
        .replace(&format!("\"size\":{}", cs + 1), &format!("\"size\":{cs}"));
    fs::write(&plan_path, fixed).unwrap();
    let review = env.path("downloads").join("review");
    let out = env.run(&[
        "apply",
        plan_path.to_str().unwrap(),
        "--base",
        pics.to_str().unwrap(),
        "--to",
        review.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!copy.exists() && review.join("b.jpg").exists() && keep.exists());
    assert!(review.join(".lookalike-review").exists());
    let moves = fs::read_to_string(review.join("lookalike-moves.tsv")).unwrap();
    assert_eq!(moves, format!("b.jpg\t{}\n", copy.display()));

    // One file under two names (a link to it kept, the file removed; or `..`): refused before
    // anything moves, whatever the order.
    #[cfg(unix)]
    {
        let link = pics.join("link to a.jpg");
        std::os::unix::fs::symlink(&keep, &link).unwrap();
        let spelled = pics.join("..").join("pics").join("a.jpg");
        for other in [&link, &spelled] {
            let plan = json!({"format": "lookalike-plan", "version": 1, "base": null, "groups": [{"members": [
                {"path": other, "size": ks, "mtime_ms": km, "decision": "keep"},
                {"path": keep, "size": ks, "mtime_ms": km, "decision": "remove"}]}]});
            fs::write(&plan_path, plan.to_string()).unwrap();
            let out = env.run(&["apply", plan_path.to_str().unwrap()]);
            assert_eq!(out.status.code(), Some(2));
            assert!(
                text(&out.stderr).contains("are one file"),
                "{}",
                text(&out.stderr)
            );
            assert!(keep.exists());
        }
    }
}

/// Opens a report of 10 000 synthetic groups (thumbnails in the sibling folder, then embedded as
/// data: URLs) in headless Chromium and prints how long each took to be ready. Run with
/// `cargo test -p lookalike --test review -- --ignored --nocapture`.
#[test]
#[ignore = "a benchmark: run it by name"]
fn report_opens_fast() {
    let env = Env::new();
    let browser = match Browser::start(&env.path("downloads")) {
        Ok(b) => b,
        Err(reason) => return eprintln!("skipped: {reason}"),
    };
    for embed in [false, true] {
        let page = env.path("downloads").join(if embed {
            "embedded.html"
        } else {
            "folder.html"
        });
        let mut args = vec!["bench-report", "10000", "--out", page.to_str().unwrap()];
        if embed {
            args.push("--embed");
        }
        let out = env.run(&args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let bytes = fs::metadata(&page).unwrap().len();
        let mut ready = Vec::new();
        for _ in 0..3 {
            browser.open_blank();
            let started = Instant::now();
            browser.open(&page);
            // The first screen's thumbnails shown.
            browser.wait(|| {
                let n: u64 = browser.run(
                    "const r = [...document.images].filter(i => i.getBoundingClientRect().top < innerHeight);
                     return r.length > 0 && r.every(i => i.complete) ? r.length : 0",
                );
                (n > 0).then_some(())
            });
            let wall = started.elapsed().as_secs_f64() * 1000.0;
            let page_ms: f64 = browser.run("return Number(document.body.dataset.readyMs)");
            ready.push((wall, page_ms));
        }
        // Scrolling builds more cards.
        browser.run::<Value>("window.scrollTo(0, document.body.scrollHeight); return null");
        let shown: u64 = browser.wait(|| {
            let n: u64 = browser.run("return lookalikeReport.shown()");
            (n > 50).then_some(n)
        });
        browser.click("//button[@id='confirm-shown']");
        let reviewed: String = browser.run("return document.querySelector('#count').textContent");
        assert_eq!(reviewed, format!("{shown} of 10000 groups reviewed"));
        eprintln!(
            "report of 10000 groups, {}: {:.1} MB of HTML; opened (navigation to first screen of \
             thumbnails) in {:?} ms; page script ready at {:?} ms after navigation start; {shown} \
             cards after one scroll",
            if embed {
                "thumbnails embedded"
            } else {
                "thumbnails in the sibling folder"
            },
            bytes as f64 / 1e6,
            ready.iter().map(|r| r.0.round()).collect::<Vec<_>>(),
            ready.iter().map(|r| r.1).collect::<Vec<_>>(),
        );
        if !embed {
            assert!(
                ready.iter().all(|r| r.0 < 2000.0),
                "slower than 2 s: {ready:?}"
            );
        }
    }
}

// ---- a small WebDriver client (chromedriver's HTTP API)

struct Browser {
    web: WebDriver,
}

impl Browser {
    fn start(downloads: &Path) -> Result<Browser, String> {
        let prefs = json!({
            "download.default_directory": downloads,
            "download.prompt_for_download": false,
        });
        let web = WebDriver::start(&["--window-size=1280,900".to_owned()], Some(prefs), None)?;
        Ok(Browser { web })
    }

    fn session_command(&self, method: &str, path: &str, body: Value) -> Value {
        self.web.session_command(method, path, body)
    }

    fn open_blank(&self) {
        self.session_command("POST", "/url", json!({"url": "about:blank"}));
    }

    /// Opens a page from disk and waits until its script says it is ready.
    fn open(&self, page: &Path) {
        let url = format!("file://{}", page.display()).replace(' ', "%20");
        self.session_command("POST", "/url", json!({"url": url}));
        self.wait(|| {
            let state: String =
                self.run("return document.body ? document.body.dataset.state || '' : ''");
            (state == "ready").then_some(())
        });
    }

    fn run<T: serde::de::DeserializeOwned>(&self, script: &str) -> T {
        let value = self.session_command(
            "POST",
            "/execute/sync",
            json!({"script": script, "args": []}),
        );
        serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{script}: {e}: {value}"))
    }

    /// A real click (WebDriver "element click") on the element an XPath finds.
    fn click(&self, xpath: &str) {
        let found = self.session_command(
            "POST",
            "/element",
            json!({"using": "xpath", "value": xpath}),
        );
        let id = found["element-6066-11e4-a52e-4f735466cecf"]
            .as_str()
            .unwrap_or_else(|| panic!("{xpath}: {found}"));
        self.session_command("POST", &format!("/element/{id}/click"), json!({}));
    }

    /// Clicks `decision` on the member whose path ends with `/name`.
    fn click_decision(&self, name: &str, decision: &str) {
        self.click(&format!(
            "//div[contains(concat(' ', @class, ' '), ' member ')][.//div[@class='path' and substring(., string-length(.) - {}) = '/{name}']]//button[@data-d='{decision}']",
            name.len()
        ));
    }

    fn wait<T>(&self, mut check: impl FnMut() -> Option<T>) -> T {
        let started = Instant::now();
        loop {
            if let Some(v) = check() {
                return v;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "timed out waiting"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn reference_files_are_kept_and_reference_only_groups_not_reported() {
    let env = Env::new();
    let pics = env.path("pics");
    let archive = env.path("home").join("archive");
    fs::create_dir(&archive).unwrap();
    fs::copy(photo("Dragonfly_by_Bolly"), archive.join("dragonfly.jpg")).unwrap();
    fs::copy(
        photo("Bridge_by_Sander_Klootwijk"),
        archive.join("bridge.jpg"),
    )
    .unwrap();
    let bridge = image::open(photo("Bridge_by_Sander_Klootwijk")).unwrap();
    bridge
        .resize(320, 320, FilterType::Triangle)
        .to_rgb8()
        .save(archive.join("bridge small.jpg"))
        .unwrap();
    // More pixels than the archive's original: the keep rule alone would keep this one.
    env.copy("Dragonfly_by_Bolly", 1.5, "dragonfly big.jpg");
    let groups = env.groups(&pics, &["--reference", archive.to_str().unwrap()]);
    assert_eq!(
        groups.len(),
        1,
        "the archive's own bridge pair is not reported: {groups:?}"
    );
    let g = &groups[0];
    assert_eq!(g["keep"]["path"], json!(archive.join("dragonfly.jpg")));
    assert_eq!(g["members"][0]["reference"], json!(true));
    assert_eq!(g["members"][1]["reference"], json!(false));
    assert!(g["members"][1]["similarity"].as_f64().unwrap() > 90.0);
    // Without --reference the archive's own pair is a group like any other.
    assert_eq!(env.groups(&archive, &[]).len(), 1);
}

/// With --follow-links a file reached by two paths (a link to it, a linked folder) is one file
/// under its real path: a link is never kept while the file it points to is proposed for
/// removal, and a --reference folder reached through a link is still the reference (both
/// happened: the review moved the real file away and left a dangling link as the keeper).
#[cfg(unix)]
#[test]
fn followed_links_are_one_file_under_its_real_path() {
    let env = Env::new();
    let pics = env.path("pics");
    let archive = env.path("home").join("archive");
    fs::create_dir(&archive).unwrap();
    fs::copy(photo("Dragonfly_by_Bolly"), archive.join("dragonfly.jpg")).unwrap();
    // More pixels than the archive's original: the keep rule alone would keep this one.
    env.copy("Dragonfly_by_Bolly", 1.5, "dragonfly big.jpg");
    std::os::unix::fs::symlink(&archive, pics.join("archive link")).unwrap();
    fs::copy(photo("Bridge_by_Sander_Klootwijk"), pics.join("bridge.jpg")).unwrap();
    env.copy("Bridge_by_Sander_Klootwijk", 0.5, "bridge small.jpg");
    std::os::unix::fs::symlink(pics.join("bridge.jpg"), pics.join("a link to bridge.jpg")).unwrap();
    let groups = env.groups(&pics, &["-L", "--reference", archive.to_str().unwrap()]);
    let paths: Vec<String> = groups
        .iter()
        .flat_map(|g| g["members"].as_array().unwrap().clone())
        .map(|m| m["path"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        paths.iter().all(|p| !p.contains("link")),
        "only real paths: {paths:?}"
    );
    assert_eq!(groups.len(), 2, "{groups:?}");
    let dragonfly = groups
        .iter()
        .find(|g| g["keep"]["path"].as_str().unwrap().contains("dragonfly"))
        .unwrap();
    assert_eq!(
        dragonfly["keep"]["path"],
        json!(archive.join("dragonfly.jpg")),
        "the archive, reached through a link, is the reference"
    );
    let bridge = groups
        .iter()
        .find(|g| g["keep"]["path"].as_str().unwrap().contains("bridge"))
        .unwrap();
    assert_eq!(bridge["keep"]["path"], json!(pics.join("bridge.jpg")));

    // A file outside PATHs that a followed link leads to is compared like the others (it is
    // stored under its real path, which no PATH holds).
    let env = Env::new();
    let pics = env.path("pics");
    let real = env.path("home").join("real");
    fs::create_dir(&real).unwrap();
    fs::copy(photo("Wine_by_Jakkub_Mede"), real.join("wine.jpg")).unwrap();
    env.copy("Wine_by_Jakkub_Mede", 0.5, "wine small.jpg");
    std::os::unix::fs::symlink(&real, pics.join("r")).unwrap();
    let groups = env.groups(&pics, &["-L"]);
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert_eq!(groups[0]["keep"]["path"], json!(real.join("wine.jpg")));
}

/// The report page proposes to keep a member that is "similar via others" (like another member
/// only, as a crop of a crop is): it is not shown to look like what is kept.
#[test]
fn the_report_page_proposes_to_keep_members_similar_via_others() {
    let env = Env::new();
    let pics = env.path("pics");
    for name in [
        "Dragonfly_by_Bolly",
        "Kleiber_by_Lukas_Baubkus",
        "Wine_by_Jakkub_Mede",
        "sunset_by_Aitzol_Berasategi",
        "Fossa_by_Jasper_Roks",
        "free_by_Peter_Nerlich",
    ] {
        let img = image::open(photo(name)).unwrap().to_rgb8();
        let (w, h) = img.dimensions();
        for percent in [0u32, 12, 24] {
            let (dx, dy) = (w * percent / 200, h * percent / 200);
            image::imageops::crop_imm(&img, dx, dy, w - 2 * dx, h - 2 * dy)
                .to_image()
                .save(pics.join(format!("{name} crop{percent:02}.png")))
                .unwrap();
        }
    }
    let groups = env.groups(&pics, &[]);
    let via_others = groups
        .iter()
        .flat_map(|g| g["members"].as_array().unwrap().iter().skip(1).cloned())
        .filter(|m| m["similarity"].is_null())
        .count();
    assert!(via_others > 0, "the test needs a chain: {groups:#?}");
    let page = env.path("downloads").join("report.html");
    let out = env.run(&[
        "scan",
        pics.to_str().unwrap(),
        "--all",
        "--html",
        page.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let browser = match Browser::start(&env.path("downloads")) {
        Ok(b) => b,
        Err(reason) => {
            if std::env::var_os("LOOKALIKE_REQUIRE_BROWSER").is_some() {
                panic!("LOOKALIKE_REQUIRE_BROWSER is set, but {reason}");
            }
            return eprintln!("skipped the browser part: {reason}");
        }
    };
    browser.open(&page);
    let proposals: Vec<String> = browser.run(
        "return [...document.querySelectorAll('.member')]
           .filter(m => m.querySelector('.tag').textContent.startsWith('similar via others'))
           .map(m => m.querySelector('.choice button.on').dataset.d)",
    );
    assert_eq!(proposals.len(), via_others, "{proposals:?}");
    assert!(proposals.iter().all(|d| d == "keep"), "{proposals:?}");
}

#[test]
fn keep_rules_choose_the_keeper() {
    let env = Env::new();
    let pics = env.path("pics");
    fs::copy(photo("Dragonfly_by_Bolly"), pics.join("original.jpg")).unwrap();
    // Written after the original: newer, with more pixels, lossless.
    std::thread::sleep(Duration::from_millis(20));
    env.copy("Dragonfly_by_Bolly", 1.25, "bigger.png");
    let keeper = |rules: &str| {
        let groups = env.groups(&pics, &["--keep", rules]);
        assert_eq!(groups.len(), 1);
        let path = groups[0]["keep"]["path"].as_str().unwrap().to_owned();
        Path::new(&path)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    };
    assert_eq!(keeper("resolution,oldest,size"), "bigger.png");
    assert_eq!(keeper("oldest"), "original.jpg");
    assert_eq!(keeper("size,resolution"), "bigger.png");
    assert_eq!(keeper("newest"), "bigger.png");
    assert_eq!(
        keeper(&format!("path:{}/orig,resolution", pics.display())),
        "original.jpg"
    );
    // A relative prefix is the folder under the current one, as a user means it.
    let groups = env.groups_in(&pics, Path::new("."), &["--keep", "path:orig,resolution"]);
    let keep = groups[0]["keep"]["path"].as_str().unwrap();
    assert!(keep.ends_with("original.jpg"), "{}", groups[0]);
    let out = env.run(&["scan", pics.to_str().unwrap(), "--keep", "largest"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unknown criterion \"largest\""));
    let out = env.run(&["scan", pics.to_str().unwrap(), "--keep", "path:"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--keep path: needs a folder"));
}

#[test]
fn a_report_written_inside_the_scanned_folder_is_not_scanned_next_time() {
    let env = Env::new();
    let pics = env.path("pics");
    env.copy("Dragonfly_by_Bolly", 1.0, "dragonfly.jpg");
    env.copy("Dragonfly_by_Bolly", 0.5, "dragonfly small.jpg");
    let page = pics.join("report.html");
    let out = env.run(&[
        "scan",
        pics.to_str().unwrap(),
        "--html",
        page.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let thumbnails = pics.join("report_files");
    let made = lookalike_tests::files_with_extension(&thumbnails, "jpg");
    assert_eq!(made, 2, "one thumbnail per member");
    // The thumbnails are small copies of the pictures: scanned, they would pair with them.
    assert_eq!(
        env.pairs(),
        BTreeSet::from([pair("dragonfly small.jpg", "dragonfly.jpg")])
    );
}

#[test]
fn a_pillarboxed_copy_is_not_kept_over_its_original_for_its_bars() {
    let env = Env::new();
    let pics = env.path("pics");
    fs::copy(photo("Dragonfly_by_Bolly"), pics.join("original.jpg")).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    // Grey bars beside it: 160 columns more, so more pixels in all; newer.
    let img = image::open(photo("Dragonfly_by_Bolly")).unwrap().to_rgb8();
    let (w, h) = img.dimensions();
    let mut boxed = image::RgbImage::from_pixel(w + 160, h, image::Rgb([128, 128, 128]));
    image::imageops::overlay(&mut boxed, &img, 80, 0);
    boxed.save(pics.join("boxed.png")).unwrap();
    let groups = env.groups(&pics, &[]);
    assert_eq!(groups.len(), 1, "{groups:?}");
    let keep = groups[0]["keep"]["path"].as_str().unwrap();
    assert!(keep.ends_with("original.jpg"), "{}", groups[0]);
}

#[test]
fn a_rewritten_report_keeps_only_its_own_thumbnails_and_never_writes_into_other_files() {
    let env = Env::new();
    let pics = env.path("pics");
    env.copy("Dragonfly_by_Bolly", 1.0, "dragonfly.jpg");
    env.copy("Dragonfly_by_Bolly", 0.5, "dragonfly small.jpg");
    env.copy("Bridge_by_Sander_Klootwijk", 1.0, "bridge.jpg");
    let bridge_copy = env.copy("Bridge_by_Sander_Klootwijk", 0.6, "bridge copy.jpg");
    fs::create_dir_all(env.dir.path().join("out")).unwrap();
    let page = env.path("out").join("report.html");
    let thumbnails = page.with_file_name("report_files");
    let scan = |page: &Path| {
        env.run(&[
            "scan",
            pics.to_str().unwrap(),
            "--all",
            "--html",
            page.to_str().unwrap(),
        ])
    };
    let out = scan(&page);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(lookalike_tests::files_with_extension(&thumbnails, "jpg"), 4);
    // The bridge's copy is gone: the new report shows one group, and the old report's
    // thumbnails of the bridge (small copies of pictures, one of them deleted) go with it;
    // nothing else there does, were it named like a thumbnail.
    fs::remove_file(&bridge_copy).unwrap();
    fs::write(thumbnails.join("7.jpg"), b"not a thumbnail").unwrap();
    let out = scan(&page);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(lookalike_tests::files_with_extension(&thumbnails, "jpg"), 3);
    assert_eq!(
        fs::read(thumbnails.join("7.jpg")).unwrap(),
        b"not a thumbnail"
    );
    assert!(!thumbnails.join("2.jpg").exists() && !thumbnails.join("3.jpg").exists());
    let html = fs::read_to_string(&page).unwrap();
    assert!(html.contains("report_files/0.jpg") && html.contains("report_files/1.jpg"));
    // A report's thumbnails folder is no place to move files to: a later report would
    // take its `N.jpg` for its own.
    let plan = env.path("out").join("plan.json");
    fs::write(
        &plan,
        r#"{"format": "lookalike-plan", "version": 1, "base": null, "groups": []}"#,
    )
    .unwrap();
    let out = env.run(&[
        "apply",
        plan.to_str().unwrap(),
        "--to",
        thumbnails.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("holds the thumbnails of a report page"),
        "{}",
        text(&out.stderr)
    );

    // Nor is it a review folder, even a new one.
    let new_page = env.path("out").join("new.html");
    let out = env.run(&[
        "scan",
        pics.to_str().unwrap(),
        "--html",
        new_page.to_str().unwrap(),
        "--review-dir",
        new_page.with_file_name("new_files").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("is where the thumbnails of the report"),
        "{}",
        text(&out.stderr)
    );
    assert!(!new_page.with_file_name("new_files").exists());

    // A web page saved by a browser keeps its files in a folder named as ours: a report of the
    // same name is refused before the scan, and nothing of the folder is touched.
    let saved = env.dir.path().join("saved");
    fs::create_dir_all(saved.join("report_files")).unwrap();
    fs::write(saved.join("report_files/0.jpg"), b"the user's own file").unwrap();
    let page = saved.canonicalize().unwrap().join("report.html");
    let out = scan(&page);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("report_files")
            && text(&out.stderr).contains("already holds files that no lookalike report wrote"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        fs::read(saved.join("report_files/0.jpg")).unwrap(),
        b"the user's own file"
    );
    assert!(!page.exists(), "no report written");
}

#[test]
fn a_keep_path_that_names_a_folder_means_the_files_under_it() {
    let env = Env::new();
    let pics = env.path("pics");
    for dir in ["orig", "orig-backup"] {
        fs::create_dir(pics.join(dir)).unwrap();
    }
    fs::copy(
        photo("Dragonfly_by_Bolly"),
        pics.join("orig-backup/big.jpg"),
    )
    .unwrap();
    env.copy("Dragonfly_by_Bolly", 0.5, "orig/small.png");
    let groups = env.groups_in(&pics, Path::new("."), &["--keep", "path:orig,resolution"]);
    let keep = groups[0]["keep"]["path"].as_str().unwrap();
    assert!(keep.ends_with("orig/small.png"), "{}", groups[0]);
}
