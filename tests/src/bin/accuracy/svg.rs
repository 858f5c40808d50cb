//! `docs/accuracy.svg`: the similarity distributions of true and false pairs and the default
//! threshold, drawn by hand (a few lines of SVG need no plotting crate).

use std::fmt::Write;

use lookalike_core::Sensitivity;

use crate::{FLOOR, Measurement, report};

const W: f32 = 760.0;
const H: f32 = 360.0;
const LEFT: f32 = 60.0;
const RIGHT: f32 = 20.0;
const TOP: f32 = 30.0;
const BOTTOM: f32 = 50.0;
/// The smallest share drawn: 10⁻⁸ (a few false pairs among tens of millions).
const MIN_LOG: f32 = -8.0;

fn x(similarity: f32) -> f32 {
    LEFT + similarity / 100.0 * (W - LEFT - RIGHT)
}

fn y(log_share: f32) -> f32 {
    TOP + (log_share / MIN_LOG) * (H - TOP - BOTTOM)
}

/// Histogram in bins of one similarity point, as log10 of the share of `total`.
fn path(values: impl Iterator<Item = f32>, total: f64) -> String {
    let mut bins = [0u64; 101];
    for v in values {
        bins[(v.clamp(0.0, 100.0)) as usize] += 1;
    }
    let mut d = String::new();
    let mut pen_down = false;
    for (b, &n) in bins.iter().enumerate() {
        if n == 0 {
            pen_down = false;
            continue;
        }
        let share = (n as f64 / total).log10().max(f64::from(MIN_LOG)) as f32;
        let (x0, x1) = (x(b as f32), x((b + 1).min(100) as f32));
        let cmd = if pen_down { 'L' } else { 'M' };
        let _ = write!(d, "{cmd}{x0:.1},{:.1} L{x1:.1},{:.1} ", y(share), y(share));
        pen_down = true;
    }
    d
}

pub fn distributions(m: &Measurement) -> String {
    let req = report::required(m);
    let t = Sensitivity::default().min_similarity();
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="{W}" height="{H}" fill="white"/>"#);
    // Axes and grid.
    for k in 0..=(-MIN_LOG as i32) {
        let yy = y(-(k as f32));
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" x2="{:.1}" y1="{yy:.1}" y2="{yy:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">1e-{k}</text>"##,
            W - RIGHT,
            LEFT - 6.0,
            yy + 4.0
        );
    }
    for v in (0..=100).step_by(10) {
        let xx = x(v as f32);
        let _ = writeln!(
            s,
            r##"<line x1="{xx:.1}" x2="{xx:.1}" y1="{TOP}" y2="{:.1}" stroke="#eee"/><text x="{xx:.1}" y="{:.1}" text-anchor="middle">{v}</text>"##,
            H - BOTTOM,
            H - BOTTOM + 16.0
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">similarity</text><text x="14" y="{:.1}" transform="rotate(-90 14 {:.1})" text-anchor="middle">share of pairs</text>"#,
        (LEFT + W - RIGHT) / 2.0,
        H - 12.0,
        H / 2.0,
        H / 2.0
    );
    // Floor: below it false pairs are only counted.
    let _ = writeln!(
        s,
        r##"<rect x="{LEFT}" y="{TOP}" width="{:.1}" height="{:.1}" fill="#f4f4f4"/>"##,
        x(FLOOR) - LEFT,
        H - TOP - BOTTOM
    );
    let _ = writeln!(
        s,
        r##"<path d="{}" fill="none" stroke="#c0392b" stroke-width="2"/>"##,
        path(m.false_pairs.iter().map(|p| p.0), m.negatives as f64)
    );
    let _ = writeln!(
        s,
        r##"<path d="{}" fill="none" stroke="#2471a3" stroke-width="2"/>"##,
        path(req.iter().copied(), req.len() as f64)
    );
    let tx = x(t);
    let _ = writeln!(
        s,
        r##"<line x1="{tx:.1}" x2="{tx:.1}" y1="{TOP}" y2="{:.1}" stroke="black" stroke-dasharray="5,3"/><text x="{:.1}" y="{:.1}">default threshold {t:.2}</text>"##,
        H - BOTTOM,
        tx + 4.0,
        TOP + 12.0
    );
    let _ = writeln!(
        s,
        r##"<text x="{LEFT}" y="18" fill="#2471a3">true pairs: a copy and its picture ({} pairs)</text><text x="{:.1}" y="18" fill="#c0392b">false pairs: different pictures ({} pairs)</text>"##,
        req.len(),
        W / 2.0 + 40.0,
        m.negatives
    );
    s.push_str("</svg>\n");
    s
}
