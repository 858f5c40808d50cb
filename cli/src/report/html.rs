//! The HTML report: one self-contained page, a row per match with the two images side by side
//! (the file to keep on the left), their sizes, dimensions and the similarity. Images are
//! referenced by `file://` URLs, so the page opens instantly even for thousands of matches and
//! shows the files where they are now (after a review, in the review folder). Every file name
//! is HTML-escaped in text and percent-encoded in URLs.

use super::escape::{escape, file_url};
use super::table::human_size;
use super::{Match, Report};
use crate::store::ImageFile;
use std::fmt::Write as _;

const CSS: &str = "body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}\
table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.5em;vertical-align:top}\
img{max-width:320px;max-height:240px;display:block;margin-bottom:.3em;background:#eee}\
.sim{font-size:1.4em;font-weight:600;text-align:center}.path{font-family:monospace;word-break:break-all;max-width:320px}\
.keep{color:#17692a}.remove{color:#a1261b}";

fn cell(out: &mut String, m: &ImageFile, class: &str, label: &str) {
    let name = escape(&m.path.to_string_lossy());
    let _ = write!(
        out,
        "<td><img loading=\"lazy\" src=\"{}\" alt=\"{name}\"><span class=\"{class}\">{label}</span> \
         {}×{} · {} · {}<div class=\"path\">{name}</div></td>",
        escape(&file_url(&m.path)),
        m.picture.width,
        m.picture.height,
        human_size(m.stamp.size),
        m.picture.format.name(),
    );
}

/// The page.
pub fn render(report: &Report, title: &str) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <style>{CSS}</style></head><body><h1>{}</h1><p>{} similar pairs in {} groups.</p>\n<table>\
         <tr><th>group</th><th>similarity</th><th>keep</th><th>remove</th></tr>\n",
        escape(title),
        escape(title),
        report.matches.len(),
        report.groups.len()
    );
    for m in &report.matches {
        row(&mut out, m);
    }
    out.push_str("</table></body></html>\n");
    out
}

fn row(out: &mut String, m: &Match) {
    let _ = write!(
        out,
        "<tr><td>{}</td><td class=\"sim\">{:.1}</td>",
        m.group, m.similarity
    );
    cell(out, &m.keep, "keep", "keep");
    cell(out, &m.remove, "remove", "remove");
    out.push_str("</tr>\n");
}
