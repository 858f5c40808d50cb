//! The HTML report of `scan --html`: one card per group, the surest groups first. Each card shows
//! every member with a thumbnail, the proposed keeper first and marked, each member's similarity
//! to the keeper, its dimensions, file size, format, date and path, and three buttons: keep,
//! remove, not a duplicate. "Download plan" saves the decisions of the groups the user reviewed
//! as a plan file (README, "Plan files") for `lookalike apply`, made in the page with a `Blob`;
//! the page's Content-Security-Policy forbids every network request.
//!
//! The groups travel as one JSON block inside the page and the script ([`SCRIPT`]) builds the
//! cards 50 at a time as the user scrolls, so a report of 10 000 groups opens as fast as one of
//! 50; the thumbnails are JPEG files in a folder beside the page (`report_files/` for
//! `report.html`), loaded lazily. Copy or move the page together with that folder. (Embedding
//! them as `data:` URLs instead was measured slower: README, "The HTML report".)

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Value, json};

use super::Report;
use super::escape::escape;
use super::json::put_path;

/// The page's behaviour.
pub const SCRIPT: &str = include_str!("page.js");
/// The page's look.
pub const STYLE: &str = include_str!("page.css");

/// The page's policy: no network, no frames, no forms; only its own inline script and style, and
/// images from beside it (or `data:` URLs).
pub const CSP: &str = "default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'; \
script-src 'unsafe-inline'; connect-src 'none'; form-action 'none'; frame-src 'none'; \
base-uri 'none'";

/// Thumbnail sources: per group, per member, a URL relative to the page (or a `data:` URL), or
/// `None` where no thumbnail could be made.
pub type Thumbnails = Vec<Vec<Option<String>>>;

/// Modification time in whole milliseconds (what a browser's `File.lastModified` gives).
pub fn mtime_ms(mtime_ns: i64) -> i64 {
    mtime_ns.div_euclid(1_000_000)
}

/// The report's data block: `{"base":null,"groups":[{"n":1,"m":[{"p":path,"s":bytes,
/// "t":mtime_ms,"w":…,"h":…,"f":format,"k":similarity to the keeper or null,"o":how it looks
/// next to the keeper when mirrored, turned or cropped ("mirrored", "rotated 90°", "cropped",
/// "mirrored, wider"…) or null,"i":thumbnail
/// or null,"r":reference?}]}]}`, groups in the order given by `order`.
fn data(report: &Report, order: &[usize], thumbnails: &Thumbnails) -> Value {
    let mut groups = Vec::with_capacity(order.len());
    for &g in order {
        let group = &report.groups[g];
        let members: Vec<Value> = group
            .members
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let mut o = serde_json::Map::new();
                put_path(&mut o, "p", &m.path);
                o.insert("s".into(), json!(m.stamp.size));
                o.insert("t".into(), json!(mtime_ms(m.stamp.mtime_ns)));
                o.insert("w".into(), json!(m.picture.width));
                o.insert("h".into(), json!(m.picture.height));
                o.insert("f".into(), json!(m.picture.format.name()));
                let k = group.to_keeper.get(i).copied().flatten();
                o.insert("k".into(), json!(k.map(super::json::round2)));
                o.insert("o".into(), json!(group.look_label(i)));
                let thumb = thumbnails.get(g).and_then(|t| t.get(i)).cloned().flatten();
                o.insert("i".into(), json!(thumb));
                let r = group.reference.get(i).copied().unwrap_or(false);
                o.insert("r".into(), json!(r));
                Value::Object(o)
            })
            .collect();
        groups.push(json!({ "n": group.number, "m": members }));
    }
    json!({ "base": null, "groups": groups })
}

/// The groups' indices, surest first (ties: by group number).
pub fn surest_first(report: &Report) -> Vec<usize> {
    let sureness: Vec<f32> = report.groups.iter().map(|g| g.sureness()).collect();
    let mut order: Vec<usize> = (0..report.groups.len()).collect();
    order.sort_by(|&a, &b| sureness[b].total_cmp(&sureness[a]).then(a.cmp(&b)));
    order
}

/// The page, with `thumbnails` indexed like `report.groups`.
pub fn render(report: &Report, title: &str, thumbnails: &Thumbnails) -> String {
    let order = surest_first(report);
    let data = data(report, &order, thumbnails).to_string();
    // Inside <script>, "</script" or "<!--" must not appear: `<` only occurs in JSON strings,
    // where \u003c means the same.
    let data = data.replace('<', "\\u003c");
    let files = report.groups.iter().map(|g| g.members.len()).sum::<usize>();
    let mut out = String::with_capacity(data.len() + SCRIPT.len() + 4096);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{t}</title>\
         <style>{STYLE}</style></head>\n<body data-state=\"loading\">\
         <header><h1>{t}</h1><p>{groups} groups, {files} files, surest first. Choose per image: \
         <b>keep</b>, <b>remove</b> (to the trash) or <b>not a duplicate</b> (never reported \
         again); a group counts as reviewed once you change or confirm it. Then download the plan \
         and run <code>lookalike apply PLAN</code>.</p>\
         <div id=\"bar\"><span id=\"count\">0 groups reviewed</span> \
         <button id=\"confirm-shown\" type=\"button\">Confirm the groups loaded so far</button> \
         <button id=\"download\" type=\"button\">Download plan</button> \
         <a id=\"link\" hidden></a><p id=\"plan-problem\" role=\"alert\" hidden></p></div></header>\n<main id=\"groups\"></main>\
         <div id=\"more\"></div>\n<script type=\"application/json\" id=\"data\">{data}</script>\n\
         <script>{SCRIPT}</script></body></html>\n",
        t = escape(title),
        groups = report.groups.len(),
    );
    out
}

/// The folder beside `page` that holds its thumbnails: `report_files` for `report.html`.
pub fn files_dir(page: &Path) -> std::path::PathBuf {
    let stem = page
        .file_stem()
        .map_or_else(|| "report".into(), |s| s.to_string_lossy().into_owned());
    page.with_file_name(format!("{stem}_files"))
}
