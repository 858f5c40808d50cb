//! `docs/accuracy.md`: the tables.

use std::fmt::Write;

use lookalike_core::Sensitivity;
use lookalike_tests::copies::Edit;

use crate::{FLOOR, FalsePairs, Measurement, TruePairs, look, phash};

/// The sensitivities the tables show.
pub const SENSITIVITIES: [u8; 13] = [0, 10, 20, 25, 28, 30, 35, 40, 50, 60, 70, 80, 100];

fn threshold(s: u8) -> f32 {
    Sensitivity::new(s).expect("0..=100").min_similarity()
}

fn recall(v: &[f32], t: f32) -> f64 {
    v.iter().filter(|&&x| x >= t).count() as f64 / v.len().max(1) as f64
}

fn false_pairs(m: &Measurement, t: f32) -> usize {
    m.false_pairs.iter().filter(|p| p.0 >= t).count()
}

/// The false pairs at `t` whose two pictures come from different photographs (not two parts of
/// one photograph, nor a part and the other's copy).
fn false_pairs_between_photographs(m: &Measurement, t: f32) -> usize {
    between_photographs(m, &m.false_pairs, t)
}

/// Of `pairs`, those at `t` between different photographs.
fn between_photographs(m: &Measurement, pairs: &FalsePairs, t: f32) -> usize {
    let family = |entry: usize| m.pictures[m.entries[entry].picture].family;
    pairs
        .iter()
        .filter(|p| p.0 >= t && family(p.1) != family(p.2))
        .count()
}

pub fn describe(m: &Measurement, entry: usize) -> String {
    let e = &m.entries[entry];
    let name = &m.pictures[e.picture].name;
    match e.edit {
        Some(edit) => format!("{name}, {}", edit.name()),
        None => name.clone(),
    }
}

/// Required copies found at `t` through both pictures' side probes whose weaker way round
/// ([`crate::one_way`]) is more than [`lookalike_core::BOTH_WAYS_MARGIN`] below `t`: a scan
/// that adds one of the two files to a library holding the other may not find them (a later
/// `scan --all` does).
fn one_way_misses(m: &Measurement, t: f32) -> usize {
    Edit::ALL
        .iter()
        .zip(m.true_pairs.iter().zip(&m.one_way))
        .filter(|(e, _)| !e.is_exempt())
        .flat_map(|(_, (both, one))| both.iter().zip(one))
        .filter(|&(&both, &one)| both >= t && one < t - lookalike_core::BOTH_WAYS_MARGIN)
        .count()
}

fn min(v: &[f32]) -> f32 {
    v.iter().copied().fold(f32::INFINITY, f32::min)
}

fn median(v: &[f32]) -> f32 {
    let mut s = v.to_vec();
    s.sort_by(f32::total_cmp);
    s.get(s.len() / 2).copied().unwrap_or(f32::NAN)
}

/// The required true pairs (every edit but the exempt ones), pooled.
pub fn required(m: &Measurement) -> Vec<f32> {
    Edit::ALL
        .iter()
        .zip(&m.true_pairs)
        .filter(|(e, _)| !e.is_exempt())
        .flat_map(|(_, v)| v.iter().copied())
        .collect()
}

/// The perceptual hash's strictest useful threshold: the largest distance at which no pair of
/// different pictures is within reach.
fn phash_threshold(m: &Measurement) -> Option<u32> {
    let first_false = m.phash_false.iter().position(|&n| n > 0)?;
    first_false.checked_sub(1).map(|d| d as u32)
}

pub fn markdown(m: &Measurement) -> String {
    let default = Sensitivity::default();
    let t_default = default.min_similarity();
    let req = required(m);
    let copies: usize = m.true_pairs.iter().map(Vec::len).sum();
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Accuracy\n\n\
         Written by `cargo run --release -p lookalike-tests --bin accuracy`{} (run \
         `tests/fetch-accuracy-photos.sh` first for the full set; sources and licences, and the \
         held-out photographs, in `docs/accuracy-photos.md`). Do not edit by hand.\n\n\
         - **{} originals** (from {}), each also cut \
         into four quarters and into its left and right two thirds (which overlap by half): \
         **{} pictures** that count as different.\n\
         - **{} copies**: {} kinds of edit of every whole picture and quarter.\n\
         - **True pairs**: a copy and its picture. **False pairs**: any two signatures of \
         pictures that do not contain one another, copies included — {} pairs, every one \
         searched through the index (the same caption, bars, logo or text on two different \
         pictures; gray copies of different photos; hazy, near-gray copies of different \
         photos, with and without the same text; the two overlapping thirds).\n\
         - Default sensitivity {} (similarity ≥ {:.2}), {} coefficients per channel. Every \
         picture is compared as the command line compares it: whole, and through its cropped \
         probe (the middle {:.0} % of it; a match through a probe gives up {} points). Measured \
         in {:.0} s.\n",
        std::env::var("LOOKALIKE_ACCURACY_PHOTOS")
            .map(|v| format!(" with `LOOKALIKE_ACCURACY_PHOTOS={v}`"))
            .unwrap_or_default(),
        m.originals,
        m.sources.join(", "),
        m.pictures.len(),
        copies,
        Edit::ALL.len(),
        m.negatives,
        default.get(),
        t_default,
        m.coefficients,
        lookalike_core::PROBE_SHARE * 100.0,
        lookalike_core::PROBE_PENALTY,
        m.seconds
    );

    let strongest = m
        .false_pairs
        .iter()
        .map(|p| p.0)
        .fold(f32::NEG_INFINITY, f32::max);
    let weakest = min(&req);
    // How alike the false pairs' pictures are without the method, next to the true pairs'.
    let true_alike = look::true_pairs(m);
    let quartile_alike = true_alike.get(true_alike.len() / 4).copied().unwrap_or(1.0);
    let as_alike = m
        .false_pairs
        .iter()
        .filter(|p| p.0 >= t_default)
        .filter(|p| {
            look::alike(&m.thumbs[p.1], &m.thumbs[p.2]).is_some_and(|r| r >= quartile_alike)
        })
        .count();
    let _ = writeln!(o, "## At the default\n");
    let _ = writeln!(
        o,
        "| | |\n|---|---|\n\
         | recall, every required edit (all but {}) | {:.4} ({} of {}) |\n\
         | of them, a scan that adds one of the two files later may miss (found one way round only, the other more than {} points below the threshold) | {} |\n\
         | false pairs | **{}** of {} |\n\
         | of them, pictures at least as alike pixel for pixel as one copy in four is to its own picture (their 32 × 32 gray thumbnails correlate at {:.3} or more, in the best of the eight turns and mirrors; see below) | {} |\n\
         | weakest true pair (required edits) | {:.1} |\n\
         | strongest false pair | {} |\n\
         | margin (weakest true − strongest false) | {} |\n",
        exempt_names(),
        recall(&req, t_default),
        req.iter().filter(|&&x| x >= t_default).count(),
        req.len(),
        lookalike_core::BOTH_WAYS_MARGIN,
        one_way_misses(m, t_default),
        false_pairs(m, t_default),
        m.negatives,
        quartile_alike,
        as_alike,
        weakest,
        if strongest.is_finite() {
            format!("{strongest:.1}")
        } else {
            format!("below {FLOOR}")
        },
        if strongest.is_finite() {
            format!("{:+.1}", weakest - strongest)
        } else {
            format!("more than {:+.1}", weakest - FLOOR)
        },
    );

    let _ = writeln!(o, "## Per sensitivity\n");
    let _ = writeln!(
        o,
        "| sensitivity | similarity ≥ | recall (required) | weakest required edit | false pairs | of them between different photographs |\n\
         |---|---|---|---|---|---|"
    );
    for s in SENSITIVITIES {
        let t = threshold(s);
        let (worst, worst_recall) = Edit::ALL
            .iter()
            .zip(&m.true_pairs)
            .filter(|(e, _)| !e.is_exempt())
            .map(|(e, v)| (e.name(), recall(v, t)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap();
        let mark = if s == default.get() { " (default)" } else { "" };
        let _ = writeln!(
            o,
            "| {s}{mark} | {t:.2} | {:.4} | {worst}: {worst_recall:.3} | {} | {} |",
            recall(&req, t),
            false_pairs(m, t),
            false_pairs_between_photographs(m, t)
        );
    }

    let _ = writeln!(o, "\n## Mirror and quarter turns: what they cost\n");
    let _ = writeln!(
        o,
        "Queries tried upright only (the paper's method, `--upright`); upright, mirrored and turned \
         by 90°, 180° and 270° (`Orientation::DEFAULT`, the default); and in all eight \
         orientations of the square, which adds the flip upside down and the two reflections in \
         a diagonal (`Orientation::ALL`, `--all-turns`). Recall over the required edits; the \
         flipped and transposed copies (reported only) apart; false pairs, in brackets those \
         between different photographs.\n"
    );
    let _ = writeln!(
        o,
        "| sensitivity | upright only: recall | false pairs | default: recall | flipped or transposed found | false pairs | all eight: recall | flipped or transposed found | false pairs |\n\
         |---|---|---|---|---|---|---|---|---|"
    );
    let required = |pairs: &TruePairs| -> Vec<f32> {
        Edit::ALL
            .iter()
            .zip(pairs)
            .filter(|(e, _)| !e.is_exempt())
            .flat_map(|(_, v)| v.iter().copied())
            .collect()
    };
    let flipped = |pairs: &TruePairs| -> Vec<f32> {
        Edit::ALL
            .iter()
            .zip(pairs)
            .filter(|(e, _)| matches!(e, Edit::Flip | Edit::Transpose))
            .flat_map(|(_, v)| v.iter().copied())
            .collect()
    };
    let up_req = required(&m.upright.0);
    let all_req = required(&m.all_turns.0);
    let (default_flipped, all_flipped) = (flipped(&m.true_pairs), flipped(&m.all_turns.0));
    let count = |pairs: &FalsePairs, t: f32| {
        format!(
            "{} ({})",
            pairs.iter().filter(|p| p.0 >= t).count(),
            between_photographs(m, pairs, t)
        )
    };
    for s in SENSITIVITIES {
        let t = threshold(s);
        let mark = if s == default.get() { " (default)" } else { "" };
        let found = |v: &[f32]| format!("{} of {}", v.iter().filter(|&&x| x >= t).count(), v.len());
        let _ = writeln!(
            o,
            "| {s}{mark} | {:.4} | {} | {:.4} | {} | {} | {:.4} | {} | {} |",
            recall(&up_req, t),
            count(&m.upright.1, t),
            recall(&req, t),
            found(&default_flipped),
            count(&m.false_pairs, t),
            recall(&all_req, t),
            found(&all_flipped),
            count(&m.all_turns.1, t),
        );
    }

    let pt = phash_threshold(m);
    let _ = writeln!(o, "\n## Per edit\n");
    let _ = writeln!(
        o,
        "Recall at sensitivities 10, {} (default) and 50; the lowest and the median similarity of \
         the copies to their pictures; of the copies found at the default, those labelled \
         \"cropped\" (their best comparison with their picture came through a cropped probe). \
         The last column is the perceptual hash (`image_hasher` gradient hash, 16 × 16 bits, \
         Lanczos3: czkawka's defaults) at the largest Hamming distance that reports no false \
         pair here ({}).\n",
        default.get(),
        match pt {
            Some(d) => format!("distance ≤ {d}"),
            None => "none: some different pictures hash identically".into(),
        }
    );
    let _ = writeln!(
        o,
        "| edit | copies | s 10 | s {} | s 50 | lowest | median | labelled cropped | dHash |\n\
         |---|---|---|---|---|---|---|---|---|",
        default.get()
    );
    for (e, v) in Edit::ALL.iter().zip(&m.true_pairs) {
        let k = Edit::ALL.iter().position(|x| x == e).unwrap();
        let ph = match pt {
            Some(d) => format!(
                "{:.3}",
                m.phash_true[k].iter().filter(|&&x| x <= d).count() as f64
                    / m.phash_true[k].len().max(1) as f64
            ),
            None => "–".into(),
        };
        let exempt = if e.is_exempt() { " *(exempt)*" } else { "" };
        // Each copy with whether it was compared through a probe, the found ones.
        let found = v
            .iter()
            .zip(&m.through_probe[k])
            .filter(|&(&s, _)| s >= t_default);
        let labelled = found.clone().filter(|&(_, &p)| p).count();
        let _ = writeln!(
            o,
            "| {}{exempt} | {} | {:.3} | {:.3} | {:.3} | {:.1} | {:.1} | {labelled} of {} | {ph} |",
            e.name(),
            v.len(),
            recall(v, threshold(10)),
            recall(v, t_default),
            recall(v, threshold(50)),
            min(v),
            median(v),
            found.count(),
        );
    }

    let _ = writeln!(o, "\n## Crops by amount\n");
    let _ = writeln!(
        o,
        "Every whole picture and quarter cut by each amount, from one side (left, top, right \
         and bottom in turn), at a corner (the two sides that meet there, each corner in \
         turn) and all round (half of it from each side, as a zoom cuts), compared with its \
         picture: the share found at the default. The crops kept in the table above are \
         four of these; this one shows how the crop amount, which no one chooses for us, is \
         covered between them.\n\n\
         | crop | one side | corner (both sides) | all round (half from each side) |\n\
         |---|---|---|---|"
    );
    for &(amount, counts) in &m.sweep.rows {
        let [side, corner, round] = counts.map(|(n, of)| n as f64 / of.max(1) as f64);
        let _ = writeln!(o, "| {amount} % | {side:.3} | {corner:.3} | {round:.3} |");
    }

    let _ = writeln!(o, "\n## Perceptual hash, per distance\n");
    let _ = writeln!(
        o,
        "| distance ≤ | recall (required) | false pairs |\n|---|---|---|"
    );
    let req_ph: Vec<u32> = Edit::ALL
        .iter()
        .zip(&m.phash_true)
        .filter(|(e, _)| !e.is_exempt())
        .flat_map(|(_, v)| v.iter().copied())
        .collect();
    for d in [0u32, 2, 4, 6, 8, 10, 15, 20, 30, 40] {
        let r = req_ph.iter().filter(|&&x| x <= d).count() as f64 / req_ph.len().max(1) as f64;
        let f: u64 = m.phash_false[..=(d.min(phash::BITS) as usize)].iter().sum();
        let _ = writeln!(o, "| {d} | {r:.4} | {f} |");
    }

    let _ = writeln!(o, "\n## False pairs at the default, by kind\n");
    let _ = writeln!(o, "| kind | false pairs |\n|---|---|");
    let mut kinds: Vec<(String, usize)> = Vec::new();
    for &(s, a, b) in &m.false_pairs {
        if s < t_default {
            continue;
        }
        let (ea, eb) = (&m.entries[a], &m.entries[b]);
        let same_family = m.pictures[ea.picture].family == m.pictures[eb.picture].family;
        let edits = match (ea.edit, eb.edit) {
            (Some(x), Some(y)) if x == y => format!("both {}", x.name()),
            (None, None) => "two unedited pictures".into(),
            _ => "different edits".into(),
        };
        let kind = format!(
            "{edits}, {}",
            if same_family {
                "parts of one photo"
            } else {
                "different photos"
            }
        );
        match kinds.iter_mut().find(|k| k.0 == kind) {
            Some(k) => k.1 += 1,
            None => kinds.push((kind, 1)),
        }
    }
    kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for (k, n) in &kinds {
        let _ = writeln!(o, "| {k} | {n} |");
    }

    let _ = writeln!(o, "\n## False pairs at the default, by photograph\n");
    let _ = writeln!(
        o,
        "The photographs the two pictures were cut from (ten most).\n\n| photographs | false pairs |\n|---|---|"
    );
    // A family's first picture is the whole photograph.
    let photo = |entry: usize| -> &str {
        let family = m.pictures[m.entries[entry].picture].family;
        let first = m.pictures.iter().find(|p| p.family == family);
        first.map_or("?", |p| p.name.as_str())
    };
    let mut photos: Vec<(String, usize)> = Vec::new();
    for &(s, a, b) in &m.false_pairs {
        if s < t_default {
            continue;
        }
        let (pa, pb) = (photo(a), photo(b));
        let key = if pa == pb {
            format!("{pa}, two parts")
        } else {
            format!("{} and {}", pa.min(pb), pa.max(pb))
        };
        match photos.iter_mut().find(|k| k.0 == key) {
            Some(k) => k.1 += 1,
            None => photos.push((key, 1)),
        }
    }
    photos.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for (k, n) in photos.iter().take(10) {
        let _ = writeln!(o, "| {k} | {n} |");
    }
    picture_pairs(&mut o, m, t_default);

    let mut top = m.false_pairs.clone();
    top.sort_by(|a, b| b.0.total_cmp(&a.0));
    let _ = writeln!(o, "\n## Strongest false pairs\n");
    let _ = writeln!(
        o,
        "The last column measures the two pictures without the method: the correlation of their \
         32 × 32 gray thumbnails, in the best of the eight ways one can be turned or mirrored \
         (1: the same; – where one is flat). A copy and its picture, over the required edits: \
         {} at the median, {} at the lower quartile, {} at the lowest tenth.\n",
        fmt_alike(true_alike.get(true_alike.len() / 2).copied()),
        fmt_alike(Some(quartile_alike)),
        fmt_alike(true_alike.get(true_alike.len() / 10).copied()),
    );
    let _ = writeln!(
        o,
        "| similarity | one | other | pixels alike |\n|---|---|---|---|"
    );
    for (s, a, b) in top.iter().take(15) {
        let _ = writeln!(
            o,
            "| {s:.1} | {} | {} | {} |",
            describe(m, *a),
            describe(m, *b),
            fmt_alike(look::alike(&m.thumbs[*a], &m.thumbs[*b]))
        );
    }
    let _ = writeln!(
        o,
        "\n![the strongest false pairs, one pair of pictures per row]({})\n\n\
         The strongest false pairs as they look, one per pair of pictures, top to bottom:\n",
        look::SHEET
    );
    for (row, &(a, b)) in m.shown.iter().enumerate() {
        let similarity = top
            .iter()
            .find(|p| (p.1, p.2) == (a.min(b), a.max(b)))
            .map_or(0.0, |p| p.0);
        let _ = writeln!(
            o,
            "{}. {similarity:.1}: {} and {} (pixels alike {})",
            row + 1,
            describe(m, a),
            describe(m, b),
            fmt_alike(look::alike(&m.thumbs[a], &m.thumbs[b]))
        );
    }
    let mut weak: Vec<(f32, String)> = Edit::ALL
        .iter()
        .zip(&m.true_pairs)
        .filter(|(e, _)| !e.is_exempt())
        .flat_map(|(e, v)| {
            let names: Vec<String> = m
                .entries
                .iter()
                .filter(|x| x.edit == Some(*e))
                .map(|x| format!("{}, {}", m.pictures[x.picture].name, e.name()))
                .collect();
            v.iter().copied().zip(names).collect::<Vec<_>>()
        })
        .collect();
    weak.sort_by(|a, b| a.0.total_cmp(&b.0));
    let _ = writeln!(o, "\n## Weakest true pairs (required edits)\n");
    let _ = writeln!(o, "| similarity | copy |\n|---|---|");
    for (s, name) in weak.iter().take(15) {
        let _ = writeln!(o, "| {s:.1} | {name} |");
    }
    let _ = writeln!(
        o,
        "\n![similarity of true and false pairs](accuracy.svg)\n\n\
         The picture: the share of true pairs (required edits) and of false pairs at each \
         similarity, on a log scale, with the default threshold. False pairs below {FLOOR} are \
         not drawn."
    );
    o
}

/// The false pairs at `t` by pair of pictures, whatever the copies: a pair of pictures with 42
/// entries each can make up to 42 × 42 false pairs, so the count of entry pairs says little about
/// how many different look-alikes a user would be shown.
fn picture_pairs(o: &mut String, m: &Measurement, t: f32) {
    let mut pairs: Vec<((usize, usize), usize)> = Vec::new();
    for &(s, a, b) in &m.false_pairs {
        if s < t {
            continue;
        }
        let (pa, pb) = (m.entries[a].picture, m.entries[b].picture);
        let key = (pa.min(pb), pa.max(pb));
        match pairs.iter_mut().find(|k| k.0 == key) {
            Some(k) => k.1 += 1,
            None => pairs.push((key, 1)),
        }
    }
    let n = m.pictures.len();
    let different = (0..n)
        .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
        .filter(|&(a, b)| crate::relation(&m.pictures, a, b) == crate::Relation::Different)
        .count();
    let _ = writeln!(
        o,
        "\n## False pairs at the default, by pair of pictures\n\n\
         The {} false pairs at the default join {} of the {} pairs of different pictures (any copy \
         of one with any copy of the other); {} of those pairs of pictures meet once only. The ten \
         with most false pairs:\n\n| pictures | false pairs |\n|---|---|",
        false_pairs(m, t),
        pairs.len(),
        different,
        pairs.iter().filter(|p| p.1 == 1).count()
    );
    pairs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for ((pa, pb), count) in pairs.iter().take(10) {
        let _ = writeln!(
            o,
            "| {} and {} | {count} |",
            m.pictures[*pa].name, m.pictures[*pb].name
        );
    }
}

/// A correlation of [`look::alike`] for the tables: three decimals, or "–" where a picture is
/// flat.
fn fmt_alike(r: Option<f32>) -> String {
    r.map_or_else(|| "–".into(), |r| format!("{r:.3}"))
}

/// The exempt edits' names, "a, b and c".
fn exempt_names() -> String {
    let names: Vec<&str> = Edit::ALL
        .iter()
        .filter(|e| e.is_exempt())
        .map(|e| e.name())
        .collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => (*last).to_string(),
        None => "none".to_string(),
    }
}
