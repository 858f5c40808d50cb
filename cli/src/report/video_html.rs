//! The HTML report of a new video's matches: `similar_videos/<video name>.html`.
//!
//! One self-contained page: for every stored video that shares clips with the new one, the two
//! videos' metadata side by side, each matching time range, and thumbnails of matched
//! screenshots side by side (small JPEGs embedded as `data:` URIs, so the page can be moved or
//! mailed as one file). Every name is HTML-escaped.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::escape::{base64, escape};
use super::table::clock;
use super::video::{PairReport, VideoRef};
use crate::store::VideoInfo;

/// Runs with thumbnails, per pair of videos (the others are listed without).
const RANGES_WITH_THUMBNAILS: usize = 8;

/// `dir/<file name>.html`; `<file name> (2).html`, … when another video of the same name was
/// reported in this run or before; the report about `video` already there, whatever its number,
/// if there is one ([`existing_for`]).
pub fn file_for(dir: &Path, video: &Path) -> PathBuf {
    if let Some(existing) = existing_for(dir, video) {
        return existing;
    }
    candidates(dir, video)
        .find(|p| !p.exists())
        .expect("an unused name exists")
}

/// The report in `dir` that is about `video`, if there is one: `<file name>.html` or a
/// `<file name> (n).html` whose page names it. Numbers are looked at until [`GAP`] in a row are
/// free (a report of another video of that name may have been removed, leaving a gap).
pub fn existing_for(dir: &Path, video: &Path) -> Option<PathBuf> {
    let mut free = 0;
    for path in candidates(dir, video) {
        if !path.exists() {
            free += 1;
            if free == GAP {
                return None;
            }
            continue;
        }
        free = 0;
        if names_video(&path, video) {
            return Some(path);
        }
    }
    None
}

/// Free report names in a row after which [`existing_for`] stops looking.
const GAP: usize = 8;

/// The names a report about `video` may have in `dir`, in order: its file name (portable: no
/// separators or control characters) then `.html`, then ` (2).html`, ` (3).html`…
fn candidates(dir: &Path, video: &Path) -> impl Iterator<Item = PathBuf> {
    let name = video
        .file_name()
        .map_or_else(|| "video".to_string(), |n| n.to_string_lossy().into_owned());
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let dir = dir.to_path_buf();
    (1..).map(move |n| match n {
        1 => dir.join(format!("{name}.html")),
        n => dir.join(format!("{name} ({n}).html")),
    })
}

/// Whether an existing report is about `video` (then it is replaced, not duplicated).
fn names_video(report: &Path, video: &Path) -> bool {
    std::fs::read_to_string(report).is_ok_and(|text| {
        text.contains(&format!(
            "<meta name=\"video\" content=\"{}\">",
            escape(&video.to_string_lossy())
        ))
    })
}

/// A report's page without the sections about `videos` (each stored video's section starts
/// with its path as a heading and ends at `</section>`; names are escaped, so neither can occur
/// inside one), and how many sections it has left; `None` when it names none of them.
pub fn without_videos(text: &str, videos: &[PathBuf]) -> Option<(String, usize)> {
    let mut out = text.to_string();
    let mut found = false;
    for video in videos {
        let start = format!(
            "<section>\n<h2 class=\"path\">{}</h2>",
            escape(&video.to_string_lossy())
        );
        while let Some(at) = out.find(&start) {
            // A section cut short (not a page this writes) is left as it is.
            let Some(len) = out[at..].find("</section>\n") else {
                break;
            };
            out.replace_range(at..at + len + "</section>\n".len(), "");
            found = true;
        }
    }
    found.then(|| {
        let left = out.matches("<section>\n<h2 class=\"path\">").count();
        (out, left)
    })
}

/// `YYYY-MM-DD HH:MM:SS` UTC from nanoseconds since the epoch (days to civil date as in
/// Howard Hinnant's `civil_from_days`).
pub fn utc(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

fn metadata_rows(a: &VideoInfo, b: &VideoInfo) -> Vec<(&'static str, String, String)> {
    let size = |v: &VideoInfo| format!("{:.1} MB", v.stamp.size as f64 / 1e6);
    let rate = |v: &VideoInfo| {
        v.bit_rate.map_or_else(
            || "?".to_string(),
            |b| format!("{:.0} kbit/s", b as f64 / 1000.0),
        )
    };
    let row = |name, f: &dyn Fn(&VideoInfo) -> String| (name, f(a), f(b));
    vec![
        row("duration", &|v| clock(v.duration)),
        row("resolution", &|v| format!("{} × {}", v.width, v.height)),
        row("codec", &|v| format!("{} ({})", v.codec, v.container)),
        row("frame rate", &|v| format!("{:.3} fps", v.frame_rate)),
        row("bit rate", &rate),
        row("size", &size),
        row("modified", &|v| utc(v.stamp.mtime_ns)),
    ]
}

/// The page for one new video. `thumbnail(video, seconds)` gives a JPEG, or `None` (then the
/// time is shown without a picture).
pub fn html(
    pairs: &[PairReport],
    thumbnail: &mut dyn FnMut(&VideoRef, f64) -> Option<Vec<u8>>,
) -> String {
    let Some(first) = pairs.first() else {
        return String::new();
    };
    let me = &first.video;
    let name = escape(&me.path.to_string_lossy());
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"video\" content=\"{name}\">\n<title>Videos that share clips with {title}</title>\n\
         <style>\nbody{{font:14px system-ui,sans-serif;margin:1.5em;color:#222}}\n\
         table{{border-collapse:collapse;margin:.5em 0}}td,th{{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}}\n\
         th{{background:#f3f3f3}}.path{{font-family:monospace;word-break:break-all}}\n\
         .pair{{display:flex;gap:.4em;margin:.3em 0}}figure{{margin:0}}figcaption{{font-size:12px;color:#555}}\n\
         img{{width:192px;border:1px solid #999}}section{{border-top:2px solid #888;margin-top:1.5em}}\n\
         </style>\n</head>\n<body>\n<h1>Videos that share clips with <span class=\"path\">{title}</span></h1>\n\
         <p class=\"path\">{name}</p>\n",
        title = escape(
            &me.path
                .file_name()
                .map_or_else(|| me.path.to_string_lossy(), |n| n.to_string_lossy())
        ),
    );
    for pair in pairs {
        let other = escape(&pair.other.path.to_string_lossy());
        let _ = write!(
            out,
            "<section>\n<h2 class=\"path\">{other}</h2>\n<table>\n<tr><th></th><th>this video</th><th>stored video</th></tr>\n\
             <tr><th>file</th><td class=\"path\">{name}</td><td class=\"path\">{other}</td></tr>\n"
        );
        for (field, a, b) in metadata_rows(&pair.video.info, &pair.other.info) {
            let _ = writeln!(
                out,
                "<tr><th>{field}</th><td>{}</td><td>{}</td></tr>",
                escape(&a),
                escape(&b)
            );
        }
        let _ = write!(
            out,
            "</table>\n<h3>{} shared clip{}</h3>\n<table>\n<tr><th>this video</th><th>stored video</th><th>screenshots</th><th>similarity</th></tr>\n",
            pair.ranges.len(),
            if pair.ranges.len() == 1 { "" } else { "s" }
        );
        for r in &pair.ranges {
            let (mine, other) = r.spans();
            let turn = r.turn.map_or(String::new(), |t| format!(" ({t})"));
            let _ = writeln!(
                out,
                "<tr><td>{mine}</td><td>{other}</td><td>{}</td><td>{:.1}{turn}</td></tr>",
                r.screenshots, r.similarity
            );
        }
        out.push_str("</table>\n");
        for r in pair.ranges.iter().take(RANGES_WITH_THUMBNAILS) {
            let (mine, other) = r.spans();
            let _ = writeln!(out, "<h4>{mine} ~ {other}</h4>");
            for &(at, other_at) in &r.pairs {
                out.push_str("<div class=\"pair\">");
                for (video, t) in [(&pair.video, at), (&pair.other, other_at)] {
                    out.push_str("<figure>");
                    if let Some(jpeg) = thumbnail(video, t) {
                        let _ = write!(
                            out,
                            "<img alt=\"{} at {}\" src=\"data:image/jpeg;base64,{}\">",
                            escape(&video.path.to_string_lossy()),
                            clock(t),
                            base64(&jpeg)
                        );
                    }
                    let _ = write!(out, "<figcaption>{}</figcaption></figure>", clock(t));
                }
                out.push_str("</div>\n");
            }
        }
        out.push_str("</section>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::super::video::Range;
    use super::*;
    use crate::store::Stamp;

    fn info(duration: f64) -> VideoInfo {
        VideoInfo {
            duration,
            width: 320,
            height: 240,
            codec: "h264".into(),
            frame_rate: 5.0,
            bit_rate: Some(200_000),
            container: "mov,mp4,m4a,3gp,3g2,mj2".into(),
            stamp: Stamp {
                size: 1_234_567,
                mtime_ns: 1_700_000_000_000_000_000,
            },
            stream: 0,
            keyframe_interval: Some(2.0),
        }
    }

    #[test]
    fn utc_dates_are_civil() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_700_000_000_000_000_000), "2023-11-14 22:13:20 UTC");
        assert_eq!(utc(951_782_400_000_000_000), "2000-02-29 00:00:00 UTC");
    }

    #[test]
    fn hostile_names_are_escaped_and_pairs_shown_side_by_side() {
        let pair = PairReport {
            video: VideoRef {
                path: "/v/<script>alert(1)</script>&\".mp4".into(),
                info: info(40.0),
            },
            other: VideoRef {
                path: "/v/it's <b>.mkv".into(),
                info: info(120.0),
            },
            ranges: vec![Range {
                start: 0.0,
                end: 40.0,
                other_start: 22.0,
                other_end: 62.0,
                screenshots: 20,
                similarity: 91.25,
                turn: None,
                pairs: vec![(0.0, 22.0), (38.0, 60.0)],
            }],
        };
        let mut asked = Vec::new();
        let page = html(std::slice::from_ref(&pair), &mut |v, t| {
            asked.push((v.path.clone(), t));
            Some(vec![0xff, 0xd8, 0xff])
        });
        assert!(!page.contains("<script>"), "{page}");
        assert!(!page.contains("<b>"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;.mp4"));
        assert!(page.contains("it&#39;s &lt;b&gt;.mkv"));
        assert!(page.contains("<td>0:00–0:40</td><td>0:22–1:02</td><td>20</td><td>91.2</td>"));
        assert!(page.contains("<tr><th>resolution</th><td>320 × 240</td><td>320 × 240</td></tr>"));
        assert_eq!(page.matches("data:image/jpeg;base64,/9j/").count(), 4);
        assert_eq!(
            asked,
            [
                (pair.video.path.clone(), 0.0),
                (pair.other.path.clone(), 22.0),
                (pair.video.path.clone(), 38.0),
                (pair.other.path.clone(), 60.0)
            ]
        );
    }

    #[test]
    fn a_deleted_video_is_taken_out_of_a_report_and_the_rest_kept() {
        let pair = |other: &str| PairReport {
            video: VideoRef {
                path: "/v/compilation.mp4".into(),
                info: info(120.0),
            },
            other: VideoRef {
                path: other.into(),
                info: info(60.0),
            },
            ranges: vec![Range {
                start: 0.0,
                end: 20.0,
                other_start: 10.0,
                other_end: 30.0,
                screenshots: 10,
                similarity: 80.0,
                turn: None,
                pairs: vec![(0.0, 10.0)],
            }],
        };
        let pairs = [
            pair("/v/a <1>.mp4"),
            pair("/v/b.mp4"),
            pair("/v/a <1>.mp4.bak.mp4"),
        ];
        let page = html(&pairs, &mut |_, _| Some(vec![0xff, 0xd8]));
        assert_eq!(page.matches("<section>").count(), 3);
        // Not named: nothing to do.
        assert!(without_videos(&page, &["/v/c.mp4".into()]).is_none());
        let (kept, left) = without_videos(&page, &["/v/a <1>.mp4".into()]).unwrap();
        assert_eq!(left, 2);
        assert!(!kept.contains("a &lt;1&gt;.mp4</h2>"), "{kept}");
        // A name that begins the same is another video; the page around the sections stays.
        assert!(kept.contains("a &lt;1&gt;.mp4.bak.mp4</h2>"), "{kept}");
        assert!(kept.contains("b.mp4</h2>") && kept.ends_with("</body>\n</html>\n"));
        assert!(kept.starts_with(&page[..page.find("<section>").unwrap()]));
        let all: Vec<PathBuf> = ["/v/b.mp4", "/v/a <1>.mp4.bak.mp4"]
            .map(PathBuf::from)
            .to_vec();
        let (none, left) = without_videos(&kept, &all).unwrap();
        assert_eq!(left, 0);
        assert!(!none.contains("<section>"), "{none}");
    }

    #[test]
    fn report_names_are_file_names_made_unique() {
        let dir = tempfile::tempdir().unwrap();
        let a = file_for(dir.path(), Path::new("/x/clip.mp4"));
        assert_eq!(a, dir.path().join("clip.mp4.html"));
        std::fs::write(&a, "<meta name=\"video\" content=\"/x/clip.mp4\">").unwrap();
        assert_eq!(file_for(dir.path(), Path::new("/x/clip.mp4")), a);
        assert_eq!(
            file_for(dir.path(), Path::new("/y/clip.mp4")),
            dir.path().join("clip.mp4 (2).html")
        );
        // The first report goes (its video was deleted): the second video's report is still
        // found under its number, and replaced there, not written again as a new first.
        let b = dir.path().join("clip.mp4 (2).html");
        std::fs::write(&b, "<meta name=\"video\" content=\"/y/clip.mp4\">").unwrap();
        std::fs::remove_file(&a).unwrap();
        assert_eq!(
            existing_for(dir.path(), Path::new("/y/clip.mp4")),
            Some(b.clone())
        );
        assert_eq!(file_for(dir.path(), Path::new("/y/clip.mp4")), b);
        assert_eq!(existing_for(dir.path(), Path::new("/x/clip.mp4")), None);
        assert_eq!(file_for(dir.path(), Path::new("/z/clip.mp4")), a);
    }
}
