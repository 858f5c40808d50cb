//! `lookalike videos` and `lookalike query VIDEO` end to end, on real videos made by ffmpeg at
//! test time: a Mandelbrot zoom, slideshows of the photographs in `tests/photos` with zoom and
//! pan, a cellular automaton, and clips and compilations cut from them.
//!
//! The source videos are small (320 × 240, 5 frames per second) and are made once per build
//! directory (`CARGO_TARGET_TMPDIR/video-fixtures-v1`); every test copies what it needs into
//! its own temporary folder.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

/// Seconds between screenshots in these tests (videos are short).
const INTERVAL: f64 = 2.0;

/// Whether ffmpeg and ffprobe run here. Without them the video tests print why and pass, unless
/// `LOOKALIKE_REQUIRE_FFMPEG` is set (as in `.ci/run`): then they fail.
fn have_ffmpeg() -> bool {
    let runs = |tool: &str| {
        Command::new(tool)
            .arg("-version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if runs("ffmpeg") && runs("ffprobe") {
        return true;
    }
    assert!(
        std::env::var("LOOKALIKE_REQUIRE_FFMPEG").map_or(true, |v| v.is_empty() || v == "0"),
        "LOOKALIKE_REQUIRE_FFMPEG is set, but ffmpeg or ffprobe does not run"
    );
    eprintln!("skipped: no ffmpeg/ffprobe on PATH (apt-get install ffmpeg)");
    false
}

fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg is installed (the video tests need it)");
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const X264: &[&str] = &[
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-g",
    "10",
    "-pix_fmt",
    "yuv420p",
];

fn encode(input: &[&str], filter: Option<&str>, seconds: f64, out: &Path) {
    let mut args: Vec<String> = input.iter().map(|s| s.to_string()).collect();
    if let Some(f) = filter {
        args.extend(["-vf".into(), f.into()]);
    }
    args.extend(["-t".into(), format!("{seconds}")]);
    args.extend(X264.iter().map(|s| s.to_string()));
    args.push(out.to_string_lossy().into_owned());
    ffmpeg(&args.iter().map(String::as_str).collect::<Vec<_>>());
}

fn photos() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/photos");
    let jpeg = |p: &PathBuf| p.extension().is_some_and(|e| e == "jpg");
    let entries = std::fs::read_dir(&dir).unwrap();
    let mut photos: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).filter(jpeg).collect();
    photos.sort();
    assert!(
        photos.len() >= 18,
        "the test photographs are in {}",
        dir.display()
    );
    photos
}

/// A slideshow: `seconds` per photograph, slowly zooming in and panning.
fn slideshow(photos: &[PathBuf], seconds: f64, out: &Path, work: &Path) {
    let mut list = String::new();
    for (i, photo) in photos.iter().enumerate() {
        let seg = work.join(format!(
            "{}-{i}.mp4",
            out.file_stem().unwrap().to_string_lossy()
        ));
        encode(
            &[
                "-loop",
                "1",
                "-framerate",
                "5",
                "-i",
                photo.to_str().unwrap(),
            ],
            Some(
                "scale=480:360:force_original_aspect_ratio=increase,crop=480:360,\
                 zoompan=z='1+0.004*on':x='(iw-iw/zoom)*on/40':y='(ih-ih/zoom)/2':d=1:s=320x240:fps=5,\
                 format=yuv420p",
            ),
            seconds,
            &seg,
        );
        list.push_str(&format!("file '{}'\n", seg.display()));
    }
    let list_path = work.join("list.txt");
    std::fs::write(&list_path, list).unwrap();
    ffmpeg(&[
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        list_path.to_str().unwrap(),
        "-c",
        "copy",
        out.to_str().unwrap(),
    ]);
}

/// The source videos: `a.mp4` (Mandelbrot zoom, 90 s), `b.mp4` (slideshow of photos 0–9,
/// 80 s), `c.mp4` (slideshow of photos 10–17, 64 s), `life.mp4` (cellular automaton, 60 s).
fn fixtures() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("video-fixtures-v1");
        if dir.join("done").exists() {
            return dir;
        }
        let work = tempfile::tempdir().unwrap();
        let w = work.path();
        encode(
            &["-f", "lavfi", "-i", "mandelbrot=size=320x240:rate=5"],
            None,
            90.0,
            &w.join("a.mp4"),
        );
        let photos = photos();
        slideshow(&photos[0..10], 8.0, &w.join("b.mp4"), w);
        slideshow(&photos[10..18], 8.0, &w.join("c.mp4"), w);
        encode(
            &[
                "-f",
                "lavfi",
                "-i",
                "life=size=320x240:rate=5:mold=10:ratio=0.2:death_color=#202060:life_color=#f0c040",
            ],
            None,
            60.0,
            &w.join("life.mp4"),
        );
        // Build in a scratch folder, then move into place, so a killed run leaves no half set.
        let staging = dir.with_extension(format!("tmp{}", std::process::id()));
        std::fs::create_dir_all(&staging).unwrap();
        for name in ["a.mp4", "b.mp4", "c.mp4", "life.mp4"] {
            std::fs::copy(w.join(name), staging.join(name)).unwrap();
        }
        std::fs::write(staging.join("done"), "").unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        if std::fs::rename(&staging, &dir).is_err() {
            // Another test process got there first.
            let _ = std::fs::remove_dir_all(&staging);
        }
        dir
    })
}

/// `dst/name` = a copy of a fixture.
fn copy(name: &str, dst: &Path) -> PathBuf {
    let to = dst.join(name);
    std::fs::copy(fixtures().join(name), &to).unwrap();
    to
}

/// `part` seconds `from..from+len` of fixture `name`, as a bare segment for a compilation.
fn cut(name: &str, from: f64, len: f64, out: &Path) {
    let src = fixtures().join(name);
    encode(
        &["-ss", &format!("{from}"), "-i", src.to_str().unwrap()],
        Some("fps=5,scale=320:240,setsar=1"),
        len,
        out,
    );
}

/// A compilation of `(fixture, from, len)` clips, re-encoded as one video.
fn compilation(parts: &[(&str, f64, f64)], out: &Path, work: &Path) {
    let mut list = String::new();
    for (i, (name, from, len)) in parts.iter().enumerate() {
        let seg = work.join(format!("part{i}.mp4"));
        cut(name, *from, *len, &seg);
        list.push_str(&format!("file '{}'\n", seg.display()));
    }
    let list_path = work.join("parts.txt");
    std::fs::write(&list_path, list).unwrap();
    // Re-encode (not stream copy) so that the compilation is one clean stream.
    ffmpeg(&[
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        list_path.to_str().unwrap(),
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-crf",
        "28",
        "-pix_fmt",
        "yuv420p",
        out.to_str().unwrap(),
    ]);
}

/// Text burned in: DejaVu Sans if present (drawtext needs a font file), a box otherwise.
fn overlay() -> String {
    let font = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";
    if Path::new(font).exists() {
        format!(
            "drawtext=fontfile={font}:text='SAMPLE CLIP':fontcolor=white:fontsize=22:x=12:y=h-40:box=1:boxcolor=black@0.5"
        )
    } else {
        "drawbox=x=12:y=ih-40:w=150:h=28:color=white@0.8:t=fill".to_string()
    }
}

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let env = Env {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir_all(env.videos()).unwrap();
        env
    }

    fn videos(&self) -> PathBuf {
        self.dir.path().join("videos")
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("db")
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_lookalike"))
            .arg("--db")
            .arg(self.db())
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap()
    }

    /// `lookalike videos <videos> --json --interval 2 …`: the JSON lines and stderr.
    fn videos_json(&self, extra: &[&str]) -> (Vec<Value>, String, Option<i32>) {
        let videos = self.videos();
        let mut args = vec![
            "videos",
            videos.to_str().unwrap(),
            "--json",
            "--interval",
            "2",
        ];
        args.extend_from_slice(extra);
        self.json_run(&args)
    }

    /// Starts `lookalike args…` on this database, from its folder, with the environment
    /// variables `envs`, standard output to `stdout` and standard error discarded.
    fn spawn(
        &self,
        args: &[&str],
        envs: &[(&str, &Path)],
        stdout: std::process::Stdio,
    ) -> std::process::Child {
        Command::new(env!("CARGO_BIN_EXE_lookalike"))
            .arg("--db")
            .arg(self.db())
            .args(args)
            .envs(envs.iter().copied())
            .current_dir(self.dir.path())
            .stdout(stdout)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    }

    /// Runs `lookalike args…` (which prints JSON lines): the lines, stderr and the exit code.
    fn json_run(&self, args: &[&str]) -> (Vec<Value>, String, Option<i32>) {
        let out = self.run(args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let lines = stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect();
        (
            lines,
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.status.code(),
        )
    }
}

fn name(v: &Value, field: &str) -> String {
    Path::new(v[field]["path"].as_str().unwrap())
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

fn pair<'a>(lines: &'a [Value], video: &str, other: &str) -> Option<&'a Value> {
    lines
        .iter()
        .find(|v| name(v, "video") == video && name(v, "other") == other)
}

/// `(start, end, other_start, other_end)` of each range.
fn ranges(pair: &Value) -> Vec<[f64; 4]> {
    pair["ranges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| ["start", "end", "other_start", "other_end"].map(|k| r[k].as_f64().unwrap()))
        .collect()
}

fn assert_range(got: [f64; 4], expected: [f64; 4], what: &str) {
    // A screenshot stands for the INTERVAL seconds after it; the two videos' sampling instants
    // differ by up to one interval, and a run's ends may lose one screenshot on a cut.
    let slack = 2.0 * INTERVAL + 0.01;
    for i in 0..4 {
        assert!(
            (got[i] - expected[i]).abs() <= slack,
            "{what}: got {got:?}, expected {expected:?} (± {slack} s)"
        );
    }
}

#[test]
fn a_rescaled_captioned_letterboxed_clip_is_found_inside_a_compilation() {
    if !have_ffmpeg() {
        return;
    }
    let env = Env::new();
    let v = env.videos();
    for name in ["a.mp4", "b.mp4", "c.mp4", "life.mp4"] {
        copy(name, &v);
    }
    let work = tempfile::tempdir().unwrap();
    // The compilation: A 5–35 s, B 15–75 s, C 20–50 s (30 + 60 + 30 s).
    compilation(
        &[
            ("a.mp4", 5.0, 30.0),
            ("b.mp4", 15.0, 60.0),
            ("c.mp4", 20.0, 30.0),
        ],
        &v.join("compilation.mp4"),
        work.path(),
    );
    // The clip: B 23–63 s, at another size and bit rate, letterboxed, with text burned in. In
    // the compilation it is at 30 + (23 − 15) = 38 s.
    let src = fixtures().join("b.mp4");
    encode(
        &["-ss", "23", "-i", src.to_str().unwrap()],
        Some(&format!(
            "scale=256:144,pad=256:192:0:24:black,{},setsar=1",
            overlay()
        )),
        40.0,
        &v.join("clip.mkv"),
    );

    let (lines, stderr, code) = env.videos_json(&[]);
    assert_eq!(code, Some(0), "{stderr}");

    let clip_in_compilation = pair(&lines, "compilation.mp4", "clip.mkv")
        .unwrap_or_else(|| panic!("no match of the clip in the compilation: {lines:#?}"));
    let found = ranges(clip_in_compilation);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_range(found[0], [38.0, 78.0, 0.0, 40.0], "clip in compilation");

    let clip_in_b = pair(&lines, "clip.mkv", "b.mp4").expect("the clip matches its source");
    assert_range(ranges(clip_in_b)[0], [0.0, 40.0, 23.0, 63.0], "clip in b");

    for (source, at, from, len) in [
        ("a.mp4", 0.0, 5.0, 30.0),
        ("b.mp4", 30.0, 15.0, 60.0),
        ("c.mp4", 90.0, 20.0, 30.0),
    ] {
        let p = pair(&lines, "compilation.mp4", source)
            .unwrap_or_else(|| panic!("compilation ~ {source} missing: {lines:#?}"));
        let r = ranges(p);
        assert_eq!(r.len(), 1, "{source}: {r:?}");
        assert_range(r[0], [at, at + len, from, from + len], source);
    }

    // Videos that share nothing do not match: the two slideshows, the automaton, the zoom.
    for v in &lines {
        let (a, b) = (name(v, "video"), name(v, "other"));
        let ok = [
            ("clip.mkv", "b.mp4"),
            ("compilation.mp4", "a.mp4"),
            ("compilation.mp4", "b.mp4"),
            ("compilation.mp4", "c.mp4"),
            ("compilation.mp4", "clip.mkv"),
        ];
        assert!(
            ok.contains(&(a.as_str(), b.as_str())),
            "unexpected match {a} ~ {b}: {v:#}"
        );
    }

    // The report of the compilation: metadata side by side, the ranges, thumbnails.
    let report =
        std::fs::read_to_string(env.dir.path().join("similar_videos/compilation.mp4.html"))
            .expect("a report for the compilation");
    assert!(report.contains("clip.mkv") && report.contains("b.mp4"));
    assert!(
        report.contains("<th>resolution</th><td>320 × 240</td><td>256 × 192</td>"),
        "{report}"
    );
    assert!(report.matches("data:image/jpeg;base64,").count() >= 8);
    assert!(env.dir.path().join("similar_videos/clip.mkv.html").exists());
    assert!(!env.dir.path().join("similar_videos/a.mp4.html").exists());

    // The clip is deleted: the next run drops it and its report, a report about a video that
    // is gone, and takes it out of the compilation's (stored after the clip, so its report
    // named it), printing no match again.
    std::fs::remove_file(v.join("clip.mkv")).unwrap();
    let (lines, stderr, code) = env.videos_json(&[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("1 deleted videos dropped, with its report; taken out of 1 other report"),
        "{stderr}"
    );
    assert!(lines.is_empty(), "{lines:#?}");
    assert!(!env.dir.path().join("similar_videos/clip.mkv.html").exists());
    let compilation_report = env.dir.path().join("similar_videos/compilation.mp4.html");
    let report = std::fs::read_to_string(&compilation_report).expect("the compilation's report");
    assert!(!report.contains("clip.mkv"), "{report}");
    for source in ["a.mp4", "b.mp4", "c.mp4"] {
        assert!(
            report.contains(&format!("{source}</h2>")),
            "{source} left out: {report}"
        );
    }
    assert!(report.matches("data:image/jpeg;base64,").count() >= 8);

    // Its three sources go too: nothing the compilation shares is left, nor is its report.
    for source in ["a.mp4", "b.mp4", "c.mp4"] {
        std::fs::remove_file(v.join(source)).unwrap();
    }
    let (lines, stderr, code) = env.videos_json(&[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "3 deleted videos dropped; 1 other report that named them removed (no other clip \
             left in it)"
        ),
        "{stderr}"
    );
    assert!(lines.is_empty(), "{lines:#?}");
    assert!(!compilation_report.exists());
    assert!(report_files(&env).is_empty(), "{:?}", report_files(&env));
}

/// A clip cut between two stored screenshots of a video whose scenes change faster than the
/// interval: at `--interval 10` a clip of this 3-second-a-scene video cut at 15 s lands 5 s from
/// every stored screenshot, in another scene, so compared from the stored screenshots alone
/// (`--phases 1`) nothing of it matches; from 5 phases (the default at 10 s: a screenshot every
/// 2 s) one phase is within a second of it, and the clip is found where it is.
#[test]
fn a_clip_cut_between_stored_screenshots_of_fast_scenes_is_found() {
    if !have_ffmpeg() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let scenes = work.path().join("scenes.mp4");
    slideshow(&photos()[..19], 3.0, &scenes, work.path());
    let run = |extra: &[&str]| -> (Vec<Value>, Env) {
        let env = Env::new();
        let v = env.videos();
        std::fs::copy(&scenes, v.join("src.mp4")).unwrap();
        // 15–55 s of it, smaller and re-encoded.
        encode(
            &["-ss", "15", "-i", scenes.to_str().unwrap()],
            Some("scale=256:192,setsar=1"),
            40.0,
            &v.join("clip.mkv"),
        );
        let mut args = vec![
            "videos",
            v.to_str().unwrap(),
            "--json",
            "--no-report",
            "--interval",
            "10",
            "--min-sequence",
            "3",
        ];
        args.extend_from_slice(extra);
        let (lines, stderr, code) = env.json_run(&args);
        assert_eq!(code, Some(0), "{stderr}");
        (lines, env)
    };
    let (lines, _) = run(&["--phases", "1"]);
    assert!(lines.is_empty(), "{lines:#?}");
    let (lines, env) = run(&[]);
    // The clip is stored first (names in order); the source, read next, holds it at 15 s.
    let found = pair(&lines, "src.mp4", "clip.mkv")
        .unwrap_or_else(|| panic!("the clip is not found in its source: {lines:#?}"));
    let r = ranges(found);
    assert_eq!(r.len(), 1, "{r:?}");
    let [start, end, other_start, other_end] = r[0];
    assert!((14.0..=16.0).contains(&start), "{r:?}");
    assert!((50.0..=57.0).contains(&end), "{r:?}");
    assert_eq!((other_start, other_end), (0.0, 40.0), "{r:?}");
    assert_eq!(lines.len(), 1, "{lines:#?}");

    // `query` compares from phases too: the clip, as a query, is found in the source at 15 s.
    let clip = env.videos().join("clip.mkv");
    let query = |extra: &[&str]| {
        let mut args = vec![
            "query",
            clip.to_str().unwrap(),
            "--json",
            "--min-sequence",
            "3",
        ];
        args.extend_from_slice(extra);
        let (lines, stderr, code) = env.json_run(&args);
        assert_eq!(code, Some(0), "{stderr}");
        lines
    };
    assert!(query(&["--phases", "1"]).is_empty());
    let lines = query(&[]);
    let found = pair(&lines, "clip.mkv", "src.mp4")
        .unwrap_or_else(|| panic!("the query is not found in its source: {lines:#?}"));
    let [start, _, other_start, _] = ranges(found)[0];
    assert!(
        (other_start - start - 15.0).abs() <= 1.0,
        "{:?}",
        ranges(found)
    );
}

/// A video shorter than S screenshots (here 8 s at one every 2 s: 4 of the default 6) is found
/// in its source when all of its screenshots match in a row (it never could before: a phone's
/// 30 s clip at the default interval of 10 s); an unrelated short clip is not; a clip of one
/// screenshot cannot match, and the run names it.
#[test]
fn a_clip_shorter_than_s_screenshots_is_found_whole() {
    if !have_ffmpeg() {
        return;
    }
    let env = Env::new();
    let v = env.videos();
    copy("b.mp4", &v);
    copy("c.mp4", &v);
    let src = fixtures().join("b.mp4");
    encode(
        &["-ss", "16", "-i", src.to_str().unwrap()],
        Some("scale=288:216,setsar=1"),
        8.0,
        &v.join("short.mp4"),
    );
    encode(
        &["-ss", "30", "-i", src.to_str().unwrap()],
        None,
        1.0,
        &v.join("one second.mp4"),
    );
    let life = fixtures().join("life.mp4");
    encode(
        &["-ss", "10", "-i", life.to_str().unwrap()],
        None,
        8.0,
        &v.join("unrelated.mp4"),
    );
    let (lines, stderr, code) = env.videos_json(&[]);
    assert_eq!(code, Some(0), "{stderr}");
    let short = pair(&lines, "short.mp4", "b.mp4")
        .unwrap_or_else(|| panic!("the short clip is not found in its source: {lines:#?}"));
    let found = ranges(short);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_range(found[0], [0.0, 8.0, 16.0, 24.0], "short clip in b");
    for v in &lines {
        let (a, b) = (name(v, "video"), name(v, "other"));
        assert!(
            (a.as_str(), b.as_str()) == ("short.mp4", "b.mp4"),
            "unexpected match {a} ~ {b}: {v:#}"
        );
    }
    assert!(
        stderr.contains("1 video is too short to match anything")
            && stderr.contains("one second.mp4"),
        "{stderr}"
    );

    // The other order: a clip of two screenshots stored first is found inside a long video
    // stored later, whose screenshots were queried one in three (screenshots 4 and 5 of the
    // cellular automaton, which changes too fast for the neighbours queried to stand in).
    for start in [8.0, 14.0] {
        let env = Env::new();
        let v = env.videos();
        encode(
            &["-ss", &start.to_string(), "-i", life.to_str().unwrap()],
            None,
            3.0,
            &v.join("a short.mp4"),
        );
        copy("life.mp4", &v);
        let (lines, stderr, code) = env.videos_json(&[]);
        assert_eq!(code, Some(0), "{stderr}");
        assert!(
            pair(&lines, "life.mp4", "a short.mp4").is_some(),
            "the clip from {start} s is found inside life.mp4: {lines:#?}"
        );
    }
}

/// Issue 17: a mirrored clip is found in its source with its time ranges, and three unrelated
/// videos that each open with 20 s of black or dark gray do not share those 20 s; a video black
/// throughout matches nothing and is named.
#[test]
fn issue_17_a_mirrored_clip_is_found_and_black_openings_do_not_match() {
    if !have_ffmpeg() {
        return;
    }
    let env = Env::new();
    let v = env.videos();
    copy("b.mp4", &v);
    let src = fixtures().join("b.mp4");
    encode(
        &["-ss", "24", "-i", src.to_str().unwrap()],
        Some("hflip,scale=288:216,setsar=1"),
        30.0,
        &v.join("mirrored.mp4"),
    );
    let work = tempfile::tempdir().unwrap();
    for (i, (colour, name, from)) in [
        ("black", "a.mp4", 10.0),
        ("0x141414", "c.mp4", 5.0),
        ("black", "life.mp4", 0.0),
    ]
    .into_iter()
    .enumerate()
    {
        let opening = work.path().join(format!("opening{i}.mp4"));
        encode(
            &[
                "-f",
                "lavfi",
                "-i",
                &format!("color=c={colour}:size=320x240:rate=5"),
            ],
            None,
            20.0,
            &opening,
        );
        let rest = work.path().join(format!("rest{i}.mp4"));
        cut(name, from, 20.0, &rest);
        let list = work.path().join(format!("list{i}.txt"));
        std::fs::write(
            &list,
            format!("file '{}'\nfile '{}'\n", opening.display(), rest.display()),
        )
        .unwrap();
        ffmpeg(&[
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            list.to_str().unwrap(),
            "-c",
            "copy",
            v.join(format!("dark_opening{i}.mp4")).to_str().unwrap(),
        ]);
    }

    // A video that is black throughout matches nothing, and the run names it.
    encode(
        &["-f", "lavfi", "-i", "color=c=black:size=320x240:rate=5"],
        None,
        20.0,
        &v.join("all black.mp4"),
    );

    let (lines, stderr, code) = env.videos_json(&[]);
    assert_eq!(code, Some(0), "{stderr}");
    let note = stderr
        .lines()
        .find(|l| l.contains("no structure in any screenshot"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        note.contains("1 video has") && note.contains("all black.mp4"),
        "{note}"
    );
    let mirrored = pair(&lines, "mirrored.mp4", "b.mp4")
        .unwrap_or_else(|| panic!("the mirrored clip is not found in its source: {lines:#?}"));
    let found = ranges(mirrored);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_range(found[0], [0.0, 30.0, 24.0, 54.0], "mirrored clip in b");
    // And it says so: the source's clip is the new one mirrored.
    assert_eq!(
        mirrored["ranges"][0]["turn"],
        serde_json::json!("mirrored"),
        "{mirrored:#}"
    );
    for v in &lines {
        let (a, b) = (name(v, "video"), name(v, "other"));
        assert!(
            (a.as_str(), b.as_str()) == ("mirrored.mp4", "b.mp4"),
            "unexpected match {a} ~ {b}: {v:#}"
        );
    }
}

/// A path that does not exist is counted in the summary, and a folder without videos is said
/// to have none (both ended in a summary of zeros).
#[test]
fn missing_paths_and_empty_folders_are_said() {
    if !have_ffmpeg() {
        return;
    }
    let env = Env::new();
    let empty = env.videos();
    let missing = env.dir.path().join("nowhere");
    let out = env.run(&["videos", missing.to_str().unwrap(), "--no-report"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("nowhere") && stderr.contains("0 failed (1 other errors)"),
        "{stderr}"
    );
    let out = env.run(&["videos", empty.to_str().unwrap(), "--no-report"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("no video files under"), "{stderr}");
}

/// Ctrl-C says that the run was interrupted (its summary looked like a finished run's), exits
/// with 130, and the next run finishes the job.
#[test]
fn ctrl_c_says_the_run_was_interrupted() {
    if !have_ffmpeg() {
        return;
    }
    let env = Env::new();
    let v = env.videos();
    // About 0.7 s each here: the signal comes well inside the run.
    for i in 0..12 {
        std::fs::copy(fixtures().join("b.mp4"), v.join(format!("b{i:02}.mp4"))).unwrap();
    }
    let child = Command::new(env!("CARGO_BIN_EXE_lookalike"))
        .arg("--db")
        .arg(env.db())
        .args([
            "videos",
            v.to_str().unwrap(),
            "--interval",
            "0.5",
            "--no-report",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let lock = env.db().join("lookalike.lock");
    let started = std::time::Instant::now();
    while !lock.exists() && started.elapsed().as_secs() < 30 {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(1000));
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted: "), "{stderr}");
    let (_, stderr, code) = env.json_run(&["videos", v.to_str().unwrap(), "--json", "--no-report"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("interrupted"), "{stderr}");
}

/// A mirrored copy is found however many upright copies of the same clip are stored: each
/// screenshot's best hits were once filled with the upright copies' near-identical
/// screenshots of a slow scene (a reviewing helper found the mirrored one lost among seven).
#[test]
fn a_mirrored_copy_is_found_among_many_upright_ones() {
    if !have_ffmpeg() {
        return;
    }
    let env = Env::new();
    let v = env.videos();
    let src = fixtures().join("b.mp4");
    for (i, scale) in [
        "320:240", "304:228", "288:216", "272:204", "256:192", "240:180", "224:168", "208:156",
    ]
    .iter()
    .enumerate()
    {
        encode(
            &["-ss", "16", "-i", src.to_str().unwrap()],
            Some(&format!("scale={scale},setsar=1")),
            30.0,
            &v.join(format!("copy{i}.mp4")),
        );
    }
    encode(
        &["-ss", "16", "-i", src.to_str().unwrap()],
        Some("hflip,scale=296:222,setsar=1"),
        30.0,
        &v.join("mirrored.mp4"),
    );
    let (_, stderr, code) = env.json_run(&[
        "videos",
        v.to_str().unwrap(),
        "--json",
        "--interval",
        "0.5",
        "--no-report",
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let (lines, stderr, code) = env.json_run(&["query", src.to_str().unwrap(), "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let found: BTreeSet<String> = lines.iter().map(|l| name(l, "other")).collect();
    assert!(
        found.contains("mirrored.mp4") && found.len() == 9,
        "{found:?}"
    );
}

#[test]
fn s_consecutive_matching_screenshots_are_required() {
    if !have_ffmpeg() {
        return;
    }
    let env = Env::new();
    let v = env.videos();
    copy("c.mp4", &v);
    // 17 s of C, then 10 s of the cellular automaton: about 8 of its 14 screenshots at 2 s
    // match C. (A clip of C alone would match as a whole with any S: a video shorter than S
    // screenshots matches when all of its screenshots do.)
    let work = tempfile::tempdir().unwrap();
    compilation(
        &[("c.mp4", 11.0, 17.0), ("life.mp4", 0.0, 10.0)],
        &v.join("short_clip.mp4"),
        work.path(),
    );
    let (lines, stderr, _) = env.videos_json(&["--min-sequence", "3"]);
    let p = pair(&lines, "short_clip.mp4", "c.mp4")
        .unwrap_or_else(|| panic!("the clip is found with S = 3: {stderr} {lines:#?}"));
    let r = &p["ranges"][0];
    let n = r["screenshots"].as_u64().unwrap();
    assert!((6..=9).contains(&n), "{r:#}");
    assert!(r["turn"].is_null(), "an upright clip has no turn: {r:#}");

    // The same pair, with S = n and S = n + 1, in fresh databases.
    for (s, expect) in [(n, true), (n + 1, false)] {
        let fresh = Env::new();
        for f in ["c.mp4", "short_clip.mp4"] {
            std::fs::copy(v.join(f), fresh.videos().join(f)).unwrap();
        }
        let (lines, stderr, code) = fresh.videos_json(&["--min-sequence", &s.to_string()]);
        assert_eq!(code, Some(0), "{stderr}");
        assert_eq!(
            pair(&lines, "short_clip.mp4", "c.mp4").is_some(),
            expect,
            "S = {s} with {n} matching screenshots: {lines:#?}"
        );
    }

    // `query` takes S per run as well: the clip, from outside a database that holds only C.
    let only_c = Env::new();
    std::fs::copy(v.join("c.mp4"), only_c.videos().join("c.mp4")).unwrap();
    let (_, stderr, code) = only_c.videos_json(&[]);
    assert_eq!(code, Some(0), "{stderr}");
    let outside = tempfile::tempdir().unwrap();
    let clip = outside.path().join("short_clip.mp4");
    std::fs::copy(v.join("short_clip.mp4"), &clip).unwrap();
    for (s, expect) in [(n, true), (n + 1, false)] {
        let s = s.to_string();
        let query = [
            "query",
            clip.to_str().unwrap(),
            "--json",
            "--min-sequence",
            &s,
        ];
        let (lines, stderr, code) = only_c.json_run(&query);
        assert_eq!(code, Some(0), "{stderr}");
        assert_eq!(
            pair(&lines, "short_clip.mp4", "c.mp4").is_some(),
            expect,
            "query with S = {s}, {n} matching screenshots: {lines:#?}"
        );
    }
}

#[test]
fn rerun_skips_stored_videos_drops_deleted_ones_and_keeps_its_interval() {
    if !have_ffmpeg() {
        return;
    }
    let env = Env::new();
    let v = env.videos();
    copy("a.mp4", &v);
    copy("life.mp4", &v);
    let (_, stderr, code) = env.videos_json(&[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("2 new videos read, 0 unchanged skipped"),
        "{stderr}"
    );

    // Nothing changed: nothing is read again.
    let (_, stderr, _) = env.videos_json(&[]);
    assert!(
        stderr.contains("0 new videos read, 2 unchanged skipped"),
        "{stderr}"
    );
    // A stored video with a new modification time is read again, and counted as changed.
    let file = std::fs::File::options()
        .write(true)
        .open(v.join("life.mp4"))
        .unwrap();
    file.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5))
        .unwrap();
    drop(file);
    let (_, stderr, _) = env.videos_json(&[]);
    assert!(
        stderr.contains("0 new videos read, 1 unchanged skipped, 1 changed read again, 0 failed"),
        "{stderr}"
    );

    // A query from outside the database finds the stored video...
    let outside = tempfile::tempdir().unwrap();
    let query = copy("a.mp4", outside.path());
    let q = |env: &Env| {
        let out = env.run(&["query", query.to_str().unwrap(), "--json"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let found = q(&env);
    assert!(found.contains("videos/a.mp4"), "{found}");

    // ... until it is deleted: the next run drops it.
    std::fs::remove_file(v.join("a.mp4")).unwrap();
    let (_, stderr, _) = env.videos_json(&[]);
    assert!(stderr.contains("1 deleted videos dropped"), "{stderr}");
    assert!(
        stderr.contains("0 new videos read, 1 unchanged skipped"),
        "{stderr}"
    );
    assert_eq!(q(&env).trim(), "");

    // `db` sees videos: info counts them, export lists them, prune drops one deleted behind
    // the tool's back.
    let info = env.run(&["db", "info"]);
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    assert!(info.contains("videos:       1 ("), "{info}");
    let export = env.run(&["db", "export"]);
    let export = String::from_utf8_lossy(&export.stdout).into_owned();
    let videos: Vec<Value> = export
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|o| o["kind"] == "video")
        .collect();
    assert_eq!(videos.len(), 1, "{export}");
    assert!(videos[0]["path"].as_str().unwrap().ends_with("life.mp4"));
    std::fs::remove_file(v.join("life.mp4")).unwrap();
    let prune = env.run(&["db", "prune"]);
    let said = String::from_utf8_lossy(&prune.stdout).into_owned();
    assert!(said.contains("1 of missing videos"), "{said}");
    let info = env.run(&["db", "info"]);
    assert!(String::from_utf8_lossy(&info.stdout).contains("videos:       0 ("));
    copy("life.mp4", &v);
    env.videos_json(&[]);

    // The interval is the database's.
    let out = env.run(&["videos", v.to_str().unwrap(), "--interval", "5"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("every 2 s") && stderr.contains("--interval 5"),
        "{stderr}"
    );
}

#[test]
fn a_video_query_keeps_to_its_limit_and_refuses_upright() {
    if !have_ffmpeg() {
        return;
    }
    let env = Env::new();
    let v = env.videos();
    copy("a.mp4", &v);
    std::fs::copy(v.join("a.mp4"), v.join("a again.mp4")).unwrap();
    copy("life.mp4", &v);
    let (_, stderr, code) = env.videos_json(&[]);
    assert_eq!(code, Some(0), "{stderr}");
    let outside = tempfile::tempdir().unwrap();
    let query = copy("a.mp4", outside.path());
    let query = query.to_str().unwrap();
    let (all, stderr, code) = env.json_run(&["query", query, "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(all.len(), 2, "both copies of a: {all:?}");
    let (one, _, _) = env.json_run(&["query", query, "--json", "--limit", "1"]);
    assert_eq!(one.len(), 1, "{one:?}");
    // Mirrored clips are copies too: --upright, which is for images, is refused by name.
    // So is --all-turns (videos are compared in the default orientations).
    for option in ["--upright", "--all-turns"] {
        let out = env.run(&["query", query, option]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(&format!("{option} is for images")),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn key_frame_sampling_does_not_call_a_whole_video_cut_short() {
    if !have_ffmpeg() {
        return;
    }
    // Key frames every 8 s (no others), 30 s long: the last one is at 24 s, so screenshots
    // every 2 s from key frames stop 6 s before the end of a file that is whole.
    let env = Env::new();
    let v = env.videos();
    std::fs::create_dir_all(&v).unwrap();
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "mandelbrot=size=320x240:rate=5",
        "-t",
        "30",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-g",
        "40",
        "-sc_threshold",
        "0",
        "-pix_fmt",
        "yuv420p",
        v.join("long groups.mp4").to_str().unwrap(),
    ]);
    let (_, stderr, code) = env.videos_json(&["--sampling", "keyframes"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("pictures stop after"), "{stderr}");
    assert!(stderr.contains("1 new videos read"), "{stderr}");
}

#[test]
fn broken_videos_are_reported_by_name_and_the_others_processed() {
    if !have_ffmpeg() {
        return;
    }
    let env = Env::new();
    let v = env.videos();
    copy("b.mp4", &v);
    // Not a video at all.
    std::fs::write(v.join("broken.mp4"), b"this is not a video file at all").unwrap();
    // A real video cut off after its first 40 kB (mdat without moov).
    let bytes = std::fs::read(fixtures().join("c.mp4")).unwrap();
    std::fs::write(v.join("truncated.mkv"), &bytes[..40_000.min(bytes.len())]).unwrap();
    // A video with its index at the front (faststart), cut at 40 %: ffprobe still declares the
    // whole duration, so only the missing pictures give it away.
    let whole = v.join("whole.tmp");
    encode(
        &["-f", "lavfi", "-i", "mandelbrot=size=320x240:rate=5"],
        None,
        40.0,
        &whole.with_extension("mp4"),
    );
    let faststart = v.join("faststart.mp4");
    ffmpeg(&[
        "-i",
        whole.with_extension("mp4").to_str().unwrap(),
        "-c",
        "copy",
        "-movflags",
        "+faststart",
        faststart.to_str().unwrap(),
    ]);
    std::fs::remove_file(whole.with_extension("mp4")).unwrap();
    let bytes = std::fs::read(&faststart).unwrap();
    std::fs::write(&faststart, &bytes[..bytes.len() * 4 / 10]).unwrap();
    // Sound only.
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=3",
        "-c:a",
        "aac",
        v.join("sound.mp4").to_str().unwrap(),
    ]);
    // A copy of B, which must still be found.
    std::fs::copy(fixtures().join("b.mp4"), v.join("b_copy.mp4")).unwrap();
    // A photo with a video's name: ffmpeg reads it as a one-picture video.
    std::fs::copy(&photos()[0], v.join("still.mp4")).unwrap();

    let (lines, stderr, code) = env.videos_json(&["--min-sequence", "6"]);
    assert_eq!(code, Some(1), "{stderr}");
    for name in [
        "broken.mp4",
        "truncated.mkv",
        "sound.mp4",
        "faststart.mp4",
        "still.mp4",
    ] {
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with("error: ") && l.contains(name)),
            "{name} is reported: {stderr}"
        );
    }
    assert!(stderr.contains("no video stream"), "{stderr}");
    assert!(stderr.contains("cut short"), "{stderr}");
    assert!(stderr.contains("a still image, not a video"), "{stderr}");
    assert!(stderr.contains("2 new videos read"), "{stderr}");
    assert!(stderr.contains("5 failed"), "{stderr}");
    assert!(pair(&lines, "b_copy.mp4", "b.mp4").is_some(), "{lines:#?}");
    // ... which `scan` hashes as the image it is, instead of leaving it out as a video.
    let scan = env.run(&["scan", v.to_str().unwrap(), "--json"]);
    let said = String::from_utf8_lossy(&scan.stderr);
    assert!(said.contains("1 hashed"), "{said}");
    let export = env.run(&["db", "export"]);
    assert!(
        String::from_utf8_lossy(&export.stdout).contains("still.mp4"),
        "{}",
        String::from_utf8_lossy(&export.stdout)
    );
}

#[test]
fn a_missing_ffmpeg_is_explained() {
    let env = Env::new();
    let out = Command::new(env!("CARGO_BIN_EXE_lookalike"))
        .arg("--db")
        .arg(env.db())
        .args(["videos", env.videos().to_str().unwrap()])
        .env("LOOKALIKE_FFMPEG", "/nonexistent/ffmpeg")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("install FFmpeg"), "{stderr}");
}

/// `to` = seconds `from..from+len` of fixture `name`, stream-copied (cut at key frames, which
/// come every 2 s here): quick to make.
fn part(name: &str, from: f64, len: f64, to: &Path) {
    ffmpeg(&[
        "-ss",
        &format!("{from}"),
        "-i",
        fixtures().join(name).to_str().unwrap(),
        "-t",
        &format!("{len}"),
        "-c",
        "copy",
        to.to_str().unwrap(),
    ]);
}

/// Six videos of 30 s, two of which have a clip of 16 s among the others.
fn kill_test_videos(dir: &Path) {
    for name in ["a", "b", "c", "life"] {
        part(
            &format!("{name}.mp4"),
            0.0,
            30.0,
            &dir.join(format!("{name}.mp4")),
        );
    }
    for name in ["a", "c"] {
        part(
            &format!("{name}.mp4"),
            10.0,
            16.0,
            &dir.join(format!("{name} clip.mp4")),
        );
    }
}

/// The pairs in a run's JSON lines as (video, other, ranges rounded to the second); lines cut by
/// a kill are left out.
fn reported(stdout: &[u8]) -> BTreeSet<(String, String, String)> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .map(|v| {
            let ranges: Vec<String> = ranges(&v)
                .iter()
                .map(|r| format!("{:.0}-{:.0}/{:.0}-{:.0}", r[0], r[1], r[2], r[3]))
                .collect();
            (name(&v, "video"), name(&v, "other"), ranges.join(" "))
        })
        .collect()
}

/// The stored videos as `db export` gives them, by name (the folders and times differ).
fn stored_videos(env: &Env) -> BTreeSet<String> {
    if !env.db().exists() {
        return BTreeSet::new();
    }
    let out = env.run(&["db", "export"]);
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            let file = Path::new(v["path"].as_str().unwrap()).file_name().unwrap();
            let file = file.to_string_lossy().into_owned();
            v["path"] = Value::from(file);
            v["info"]["mtime_ns"] = Value::Null;
            v.to_string()
        })
        .collect()
}

/// The HTML reports written.
fn report_files(env: &Env) -> BTreeSet<String> {
    match std::fs::read_dir(env.dir.path().join("similar_videos")) {
        Ok(entries) => entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => BTreeSet::new(),
    }
}

/// Ctrl-C at a terminal stops the whole foreground process group, ffmpeg too: a report whose
/// thumbnails were being made would miss some, and the video was marked reported, so no later
/// run wrote it whole. Now a run stopped there writes no report, leaves the video `pending`, and
/// the next run writes the report as an uninterrupted run does.
#[cfg(target_os = "linux")]
#[test]
fn ctrl_c_while_a_report_is_made_leaves_it_to_the_next_run() {
    if !have_ffmpeg() {
        return;
    }
    let make = |env: &Env| {
        let v = env.videos();
        copy("b.mp4", &v);
        let src = fixtures().join("b.mp4");
        encode(
            &["-ss", "23", "-i", src.to_str().unwrap()],
            None,
            40.0,
            &v.join("clip.mkv"),
        );
    };
    let args = ["videos", "videos", "--json", "--interval", "2"];
    let report =
        |env: &Env| std::fs::read_to_string(env.dir.path().join("similar_videos/clip.mkv.html"));
    let thumbnails = |html: &str| html.matches("data:image/jpeg;base64,").count();

    let reference = Env::new();
    make(&reference);
    let out = reference.run(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = thumbnails(&report(&reference).expect("the clip's report"));
    assert!(expected >= 2, "{expected} thumbnails");

    let env = Env::new();
    make(&env);
    // ffmpeg as lookalike runs it, but a thumbnail (JPEG to standard output) waits: the
    // wrapper writes its pid, then becomes a sleep that Ctrl-C ends, as it ends a real ffmpeg.
    let wrapper = env.dir.path().join("ffmpeg-wrapper.sh");
    let flag = env.dir.path().join("thumbnail.pid");
    std::fs::write(
        &wrapper,
        "#!/bin/sh\ncase \"$*\" in *mjpeg*) echo $$ > \"$THUMBNAIL_PID.part\"; \
         mv \"$THUMBNAIL_PID.part\" \"$THUMBNAIL_PID\"; exec sleep 60;; esac\nexec ffmpeg \"$@\"\n",
    )
    .unwrap();
    std::fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let mut child = env.spawn(
        &args,
        &[("LOOKALIKE_FFMPEG", &wrapper), ("THUMBNAIL_PID", &flag)],
        std::process::Stdio::null(),
    );
    let started = std::time::Instant::now();
    let thumbnailer = loop {
        if let Ok(pid) = std::fs::read_to_string(&flag) {
            break pid.trim().to_string();
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before its report"
        );
        assert!(started.elapsed().as_secs() < 120, "no thumbnail was made");
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    // Ctrl-C: SIGINT to lookalike and to the ffmpeg making the thumbnail, as a terminal sends
    // it to its foreground processes.
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string(), &thumbnailer])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(child.wait().unwrap().code(), Some(130));
    assert!(report(&env).is_err(), "no report from the interrupted run");
    let info = env.run(&["db", "info"]);
    assert!(
        String::from_utf8_lossy(&info.stdout).contains("not reported (an interrupted run"),
        "{}",
        String::from_utf8_lossy(&info.stdout)
    );
    let out = env.run(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        thumbnails(&report(&env).expect("the report, made by the next run")),
        expected
    );
}

/// Issue 12, "a kill test … Same for videos": `kill -9` at 20 random moments of `lookalike
/// videos` (while starting, sampling, storing, writing reports), then one run to the end. The
/// store equals an uninterrupted run's, and every match of the uninterrupted run was printed by
/// one of the runs, none that it did not find; a video stored by a run killed before it printed
/// the video's matches is reported by the next run (its record stays `pending` until then).
#[test]
fn twenty_kills_during_videos_lose_nothing() {
    if !have_ffmpeg() {
        return;
    }
    let started = std::time::Instant::now();
    let args = ["videos", "videos", "--json", "--interval", "2"];
    let reference = Env::new();
    kill_test_videos(&reference.videos());
    let out = reference.run(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = reported(&out.stdout);
    assert_eq!(
        expected.len(),
        2,
        "each clip is found in its source: {expected:?}"
    );
    let uninterrupted = started.elapsed();

    let env = Env::new();
    kill_test_videos(&env.videos());
    let mut moments = lookalike_tests::KillMoments::new();
    let mut printed = BTreeSet::new();
    let (mut kills, mut runs, mut kills_with_videos_left, mut left_unreported) = (0, 0, 0, 0);
    let unreported = |env: &Env| {
        let info = env.run(&["db", "info"]);
        String::from_utf8_lossy(&info.stdout).contains("not reported (an interrupted run")
    };
    // Moments within 2.5 s of a run taking the lock: a video takes about 1 s here (3 with the
    // thumbnails of its report) and sled writes every 0.5 s, so a run gets a video or two
    // further before its kill. A run that ends first (the work is done: it only checks what is
    // stored and reports what is pending) bounds the next moments by its own length, so that
    // kills still land.
    let mut bound_ms = 2500;
    while kills < 20 && runs < 60 {
        runs += 1;
        let videos_left = stored_videos(&env).len() < 6;
        let mut child = env.spawn(&args, &[], std::process::Stdio::piped());
        let mut stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut stdout, &mut bytes).unwrap();
            bytes
        });
        // The lock file holds the pid of the run that holds the lock.
        let lock = env.db().join("lookalike.lock");
        let own = child.id().to_string();
        while std::fs::read_to_string(&lock).map_or(true, |pid| pid.trim() != own)
            && child.try_wait().unwrap().is_none()
        {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let moment = std::time::Duration::from_millis(moments.next_ms(bound_ms));
        let locked = std::time::Instant::now();
        let mut ended = None;
        while ended.is_none() && locked.elapsed() < moment {
            if child.try_wait().unwrap().is_some() {
                ended = Some(locked.elapsed());
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        match ended {
            None => {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                kills += 1;
                kills_with_videos_left += usize::from(videos_left);
                left_unreported += usize::from(unreported(&env));
            }
            Some(length) => bound_ms = (length.as_millis() as u64).clamp(20, bound_ms),
        }
        child.wait().unwrap();
        printed.extend(reported(&reader.join().unwrap()));
    }
    let stored_before = stored_videos(&env).len();
    println!(
        "{kills} kills landed in {runs} runs, {kills_with_videos_left} of them with videos left \
         to read, {left_unreported} leaving a stored video unreported; {stored_before} of 6 \
         videos stored before the last run"
    );
    assert_eq!(kills, 20, "the runs ended before the kills came");
    let out = env.run(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    printed.extend(reported(&out.stdout));
    assert_eq!(stored_videos(&env), stored_videos(&reference), "the store");
    assert_eq!(
        printed, expected,
        "the matches printed by all the runs together"
    );
    assert!(!unreported(&env), "nothing is left unreported");
    assert_eq!(
        report_files(&env),
        report_files(&reference),
        "the HTML reports"
    );
    println!(
        "uninterrupted run {:.1} s, whole test {:.1} s",
        uninterrupted.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}

/// Issue 13: hardware decoding is taken only when a trial on the first video shows the same
/// screenshots in less time, and a decoder that fails leaves the videos to software. Here (no
/// GPU video decoder in CI) the trial runs through `LOOKALIKE_HWACCEL_TRIAL`: with lavapipe
/// ffmpeg's `vulkan` decodes (slower), and `cuda` fails; either way the matches are those of
/// `--hwaccel off`.
#[test]
fn hardware_decoding_is_tried_and_never_changes_the_matches() {
    if !have_ffmpeg() {
        return;
    }
    let env = Env::new();
    copy("b.mp4", &env.videos());
    cut("b.mp4", 10.0, 20.0, &env.videos().join("part.mp4"));
    let summary = |lines: &[Value]| -> Vec<(String, String, Vec<[f64; 4]>)> {
        let mut s: Vec<_> = lines
            .iter()
            .map(|v| (name(v, "video"), name(v, "other"), ranges(v)))
            .collect();
        s.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        s
    };
    let (software, stderr, code) = env.videos_json(&["--hwaccel", "off"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(software.len(), 1, "{software:#?}");
    assert!(!stderr.contains("decoding with"), "{stderr}");

    for (how, trial) in [("auto", Some("vulkan,cuda")), ("cuda", None)] {
        std::fs::remove_dir_all(env.db()).unwrap();
        let videos = env.videos();
        let mut command = Command::new(env!("CARGO_BIN_EXE_lookalike"));
        command
            .arg("--db")
            .arg(env.db())
            .args([
                "videos",
                videos.to_str().unwrap(),
                "--json",
                "--interval",
                "2",
            ])
            .args(["--hwaccel", how])
            .current_dir(env.dir.path());
        if let Some(trial) = trial {
            command.env("LOOKALIKE_HWACCEL_TRIAL", trial);
        }
        let out = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(
            summary(&lines),
            summary(&software),
            "--hwaccel {how}: {stderr}"
        );
        if trial.is_some() {
            // One line per decoder tried, saying what was measured; none kept with other
            // screenshots.
            for name in ["vulkan", "cuda"] {
                assert!(
                    stderr.contains(&format!("decoding with {name}")),
                    "no word of the {name} trial: {stderr}"
                );
            }
            assert!(!stderr.contains("gave other screenshots"), "{stderr}");
        } else if stderr.contains("decoding with cuda failed") {
            // No NVIDIA decoder here: said once, then software for the rest of the run.
            assert_eq!(
                stderr.matches("decoding with cuda failed").count(),
                1,
                "{stderr}"
            );
        }
    }
}
