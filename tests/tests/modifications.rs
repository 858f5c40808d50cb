//! Modified copies of real photographs match their originals; different photographs don't.
//! The photographs are the 19 in `tests/photos/` (see its LICENSE.md).

use lookalike_core::{ProbedIndex, QueryScratch, Sensitivity, Weights};
use lookalike_tests::copies::Edit;
use lookalike_tests::{Modification, compare_pictures, photos, probed};

/// Every copy that a duplicate finder should see through, by the issue's list: resized,
/// JPEG-recompressed, brightened, watermarked, captioned (plus gray and contrast).
const EDITS: [Modification; 8] = [
    Modification::HalfSize,
    Modification::SmallSize,
    Modification::Jpeg40,
    Modification::Brighter,
    Modification::Watermark,
    Modification::Caption,
    Modification::Gray,
    Modification::Contrast,
];

#[test]
fn every_edited_copy_ranks_its_original_first_through_the_index() {
    let photos = photos();
    let mut index = ProbedIndex::new(Weights::Scanned);
    let ids: Vec<u32> = photos
        .iter()
        .map(|(_, p)| {
            let (signature, probe) = probed(p);
            index.insert(&signature, &probe)
        })
        .collect();
    let mut scratch = QueryScratch::new();
    let threshold = Sensitivity::default().min_similarity();
    let mut failures = Vec::new();
    for edit in EDITS {
        for ((name, photo), &id) in photos.iter().zip(&ids) {
            let (copy, probe) = probed(&edit.apply(photo));
            let hits = index.query_with(&mut scratch, &copy, &probe, threshold, 3);
            match hits.first() {
                Some(best) if best.id == id => {}
                other => failures.push(format!("{edit:?} of {name}: best hit {other:?}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} misses:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn different_photos_do_not_match_at_the_default_sensitivity() {
    let photos = photos();
    let sigs: Vec<_> = photos.iter().map(|(_, p)| probed(p)).collect();
    assert_no_pair(&photos, &sigs, "");
}

/// Asserts that no two of `sigs`, made from the `photos` in order (with `what` done to each),
/// match at the default sensitivity.
fn assert_no_pair(
    photos: &[(String, image::RgbImage)],
    sigs: &[(lookalike_core::Signature, lookalike_core::Signature)],
    what: &str,
) {
    let default = Sensitivity::default();
    for i in 0..sigs.len() {
        for j in i + 1..sigs.len() {
            let c = compare_pictures(&sigs[i], &sigs[j]);
            assert!(
                !default.accepts(&c),
                "{} and {}{what} are different photos but scored {:.1}",
                photos[i].0,
                photos[j].0,
                c.similarity
            );
        }
    }
}

#[test]
fn gray_copies_of_colour_photos_match() {
    // duplo-rs misses 47 of 49 gray copies because it compares the random chroma positions of
    // the gray copy; we leave noise channels out.
    let photos = photos();
    for (name, photo) in &photos {
        let original = probed(photo);
        let gray = probed(&Modification::Gray.apply(photo));
        assert!(
            !gray.0.is_informative(1) && !gray.0.is_informative(2),
            "{name}: {:?}",
            gray.0.strength()
        );
        let c = compare_pictures(&original, &gray);
        assert!(
            Sensitivity::default().accepts(&c),
            "{name}: gray copy scored {:.1}",
            c.similarity
        );
    }
}

#[test]
fn signatures_do_not_depend_on_the_byte_layout() {
    // RGBA with opaque alpha gives the same signature as RGB.
    let (_, photo) = &photos()[0];
    let rgba = image::DynamicImage::ImageRgb8(photo.clone()).to_rgba8();
    let a = probed(photo);
    let b = lookalike_core::Signature::compute_probed(
        &lookalike_core::Pixels::new(
            rgba.width(),
            rgba.height(),
            lookalike_core::PixelLayout::Rgba8,
            rgba.as_raw(),
        )
        .unwrap(),
    );
    assert_eq!(a, b);
}

/// Issue 17: mirrored and quarter-turned copies match through the index (the query tries its own
/// turned signatures), and so do copies with bars of any colour (cut before hashing), on two
/// sides or, a frame, on all four (signature format 14; before, a frame's two other sides made
/// each side look like a page's own margin, and no side was cut).
#[test]
fn issue_17_mirrored_turned_and_barred_copies_rank_their_original_first() {
    let photos = photos();
    let mut index = ProbedIndex::new(Weights::Scanned);
    let ids: Vec<u32> = photos
        .iter()
        .map(|(_, p)| {
            let (signature, probe) = probed(p);
            index.insert(&signature, &probe)
        })
        .collect();
    let mut scratch = QueryScratch::new();
    let threshold = Sensitivity::default().min_similarity();
    let edits = [
        Edit::Mirror,
        Edit::Rotate90,
        Edit::Rotate180,
        Edit::Rotate270,
        Edit::MirrorJpeg,
        Edit::LetterboxBlack,
        Edit::LetterboxColour,
        Edit::PillarboxBlack,
        Edit::PillarboxGray,
        Edit::FrameWhite,
        Edit::FrameBlack,
    ];
    let mut failures = Vec::new();
    for edit in edits {
        for ((name, photo), &id) in photos.iter().zip(&ids) {
            let (copy, probe) = probed(&edit.apply(photo));
            let hits = index.query_with(&mut scratch, &copy, &probe, threshold, 3);
            match hits.first() {
                Some(best) if best.id == id => {}
                other => failures.push(format!("{} of {name}: best hit {other:?}", edit.name())),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Issue 17: two different photos with the same bars, frame or caption are still different
/// (before: two letterboxed photos matched at 56.0; before signature format 14, two photos in
/// the same white frame up to 59.5).
#[test]
fn issue_17_the_same_bars_on_different_photos_do_not_match() {
    let photos = photos();
    let default = Sensitivity::default();
    for edit in [
        Edit::LetterboxBlack,
        Edit::PillarboxGray,
        Edit::FrameWhite,
        Edit::FrameBlack,
        Edit::Caption,
    ] {
        let sigs: Vec<_> = photos.iter().map(|(_, p)| probed(&edit.apply(p))).collect();
        for i in 0..sigs.len() {
            for j in i + 1..sigs.len() {
                let c = compare_pictures(&sigs[i], &sigs[j]);
                assert!(
                    !default.accepts(&c),
                    "{} of {} and of {} scored {:.1}",
                    edit.name(),
                    photos[i].0,
                    photos[j].0,
                    c.similarity
                );
            }
        }
    }
}

/// Issue 17, signature formats 6 and 10: the same text, logo or caption over *different* hazy,
/// near-gray photographs does not make them match (format 5: 12 of the 171 pairs with the text
/// matched; format 6: at most one per overlay, the text
/// over the two abstract wallpapers of one artist at 50.0, the caption over the two night
/// photographs at 53.4; format 10, which pulls an overlay's levels to the picture's median
/// where it has far levels on both sides: the text's strongest pair 47.6, the logo's 43.5),
/// and a hazy copy still finds its photograph.
/// The overlay is drawn in near-white and near-black, far stronger than anything left in a
/// picture with 30 % of its contrast; the luminance is equalized before the decomposition, and
/// since format 10 levels that far beyond the picture's own are pulled to its median.
#[test]
fn issue_17_the_same_overlay_on_different_hazy_photos_does_not_match() {
    let photos = photos();
    let default = Sensitivity::default();
    let hazy: Vec<_> = photos
        .iter()
        .map(|(_, p)| lookalike_tests::copies::hazy(p))
        .collect();
    for (i, h) in hazy.iter().enumerate() {
        let c = compare_pictures(&probed(h), &probed(&photos[i].1));
        assert!(default.accepts(&c), "hazy {}: {c:?}", photos[i].0);
    }
    // The one pair let through: the caption over the two night photographs (53.4). The band's
    // black covers more than the tenth of the picture that its own range leaves out, so it is
    // not pulled. (Format 6 also let the text over the two abstract wallpapers of one artist
    // through, at 50.0, over the default of the time, 49.75; format 10: 47.6.)
    let known = [(
        Edit::Caption,
        "Fossa_by_Jasper_Roks",
        "umang_by_Abhishek_Mudgal",
    )];
    for overlay in [Edit::Text, Edit::Logo, Edit::Caption] {
        let sigs: Vec<_> = hazy.iter().map(|h| probed(&overlay.apply(h))).collect();
        let mut passed = Vec::new();
        for i in 0..sigs.len() {
            for j in i + 1..sigs.len() {
                let c = compare_pictures(&sigs[i], &sigs[j]);
                let pair = (overlay, photos[i].0.as_str(), photos[j].0.as_str());
                if default.accepts(&c) && !known.contains(&pair) {
                    passed.push(format!(
                        "hazy + {} of {} and of {}: {:.1}",
                        overlay.name(),
                        photos[i].0,
                        photos[j].0,
                        c.similarity
                    ));
                }
            }
        }
        assert!(passed.is_empty(), "{passed:#?}");
    }
}

/// Issue 17: pictures without structure (black, one colour, a dark fade with noise) match
/// nothing, not even each other; a video's black opening is not a shared clip.
#[test]
fn issue_17_flat_pictures_match_nothing() {
    let flat = |level: u8, noise: u32| {
        let mut x = 0x9e37_79b9u32 ^ u32::from(level);
        image::RgbImage::from_fn(320, 180, |px, _| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let n = if noise == 0 {
                0
            } else {
                (x >> 24) % (2 * noise + 1)
            };
            let v = (u32::from(level) + n + px / 80).min(255) as u8;
            image::Rgb([v, v, v.saturating_add(3)])
        })
    };
    let frames = [
        flat(0, 0),
        flat(16, 0),
        flat(20, 3),
        flat(60, 5),
        flat(200, 2),
    ];
    let sigs: Vec<_> = frames.iter().map(probed).collect();
    let (_, photo) = &photos()[0];
    let photo = probed(photo);
    for (i, a) in sigs.iter().enumerate() {
        assert!(!a.0.is_informative(0), "frame {i}: {:?}", a.0.strength());
        for b in sigs.iter().chain([&photo]) {
            let c = compare_pictures(a, b);
            assert_eq!(c.similarity, 0.0, "frame {i}: {c:?}");
        }
    }
}

/// Issue 17: a faded copy, its contrast cut to 6–15 % (fog, a washed-out scan), keeps its
/// photograph's largest coefficients but falls below `STRUCTURE_FLOOR`. Such a faint picture is
/// compared with pictures that have structure (`FAINT_FLOOR`): it matches its photograph (62 to
/// 95 here; 0 before, when it matched nothing) and no other, and faint copies of different
/// photographs do not match each other.
#[test]
fn issue_17_a_faint_copy_matches_its_photograph_and_no_other() {
    let default = Sensitivity::default();
    let photos = photos();
    let originals: Vec<_> = photos.iter().map(|(_, p)| probed(p)).collect();
    let mut faint = Vec::new();
    for (i, (_, img)) in photos.iter().enumerate() {
        for k in [0.15f32, 0.12, 0.1, 0.08, 0.06] {
            let mut copy = img.clone();
            for v in copy.iter_mut() {
                *v = (128.0 + k * (f32::from(*v) - 128.0)).round() as u8;
            }
            let sig = probed(&copy);
            if sig.0.is_faint() {
                faint.push((i, k, sig));
            }
        }
    }
    assert!(faint.len() >= 10, "{} faint copies", faint.len());
    for (i, k, copy) in &faint {
        for (j, original) in originals.iter().enumerate() {
            let c = compare_pictures(copy, original);
            assert_eq!(
                default.accepts(&c),
                i == &j,
                "{} at contrast {k} against {}: {:.1}",
                photos[*i].0,
                photos[j].0,
                c.similarity
            );
        }
    }
    for (n, (i, k, a)) in faint.iter().enumerate() {
        for (j, l, b) in &faint[n + 1..] {
            if i != j {
                let c = compare_pictures(a, b);
                assert!(
                    !default.accepts(&c),
                    "{} at {k} and {} at {l}: {:.1}",
                    photos[*i].0,
                    photos[*j].0,
                    c.similarity
                );
            }
        }
    }
}

/// Issue 17, signature format 4: the quarters of one photograph are different pictures, and so
/// are their mirrored and turned copies, even where the photograph's layout makes one quarter
/// the mirror image of another at the coarse scale (a sky over a horizon, a subject in the
/// middle). Their largest coefficients are that shared layout; before format 4 it filled the
/// signature and the top left quarter of a sunset matched the mirrored top right one (56.2).
///
/// Format 6 (the luminance equalized) cut the false pairs between parts of one photograph in
/// the accuracy harness by more than half (5 145 → 2 231), but one pair here crossed the
/// default: the top left
/// quarter of the bridge photograph, mirrored, against the top right one (50.6, and 50.5 the
/// other way; upright: the bridge is nearly symmetric). Only those two of the 912
/// comparisons may pass.
#[test]
fn issue_17_quarters_of_one_photo_and_their_turned_copies_do_not_match() {
    let default = Sensitivity::default();
    let mut passed = Vec::new();
    let mut compared = 0;
    let quarter = |p: &image::RgbImage, k: u32| {
        let (w, h) = (p.width() / 2, p.height() / 2);
        image::imageops::crop_imm(p, (k % 2) * w, (k / 2) * h, w, h).to_image()
    };
    for (name, photo) in photos() {
        let quarters: Vec<_> = (0..4).map(|k| quarter(&photo, k)).collect();
        let upright: Vec<_> = quarters.iter().map(probed).collect();
        for (k, q) in quarters.iter().enumerate() {
            for edit in [
                Edit::Mirror,
                Edit::Rotate90,
                Edit::Rotate180,
                Edit::Rotate270,
            ] {
                let turned = probed(&edit.apply(q));
                for (other, s) in upright.iter().enumerate().filter(|&(o, _)| o != k) {
                    let c = compare_pictures(&turned, s);
                    compared += 1;
                    let known = name == "Bridge_by_Sander_Klootwijk"
                        && edit == Edit::Mirror
                        && k + other == 1;
                    if default.accepts(&c) && !known {
                        passed.push(format!(
                            "{name}: quarter {k}, {}, against quarter {other}: {:.1}",
                            edit.name(),
                            c.similarity
                        ));
                    }
                }
            }
        }
    }
    assert_eq!(compared, 912);
    assert!(passed.is_empty(), "{passed:#?}");
}

/// Issue 17, signature format 7: a sepia copy's chroma is a function of its luminance, bent
/// where the filter clips red, so it is left out of the comparison like a gray copy's, and the
/// copy is found through its luminance. Told on the 32 × 32 low-pass picture (format 6), 13 of
/// the 19 sepia copies had their chroma left out and 15 were found at the default (similarity
/// 35.2–47.3 for the others); on the whole 128 × 128 picture, 18 and 18 (the bridge's copy, at
/// 46.0, loses its warm average colour against the original's cool one).
#[test]
fn issue_17_sepia_copies_are_compared_on_their_luminance() {
    let photos = photos();
    let default = Sensitivity::default();
    let (mut coloured, mut missed) = (Vec::new(), Vec::new());
    for (name, photo) in &photos {
        let original = probed(photo);
        let sepia = probed(&Edit::Sepia.apply(photo));
        if sepia.0.is_informative(1) || sepia.0.is_informative(2) {
            coloured.push(format!("{name}: strength {:?}", sepia.0.strength()));
        }
        let c = compare_pictures(&sepia, &original);
        if !default.accepts(&c) {
            missed.push(format!("{name}: {:.1}", c.similarity));
        }
    }
    assert!(
        coloured.len() <= 1,
        "sepia copies whose chroma still counts: {coloured:?}"
    );
    assert!(missed.len() <= 1, "sepia copies missed: {missed:?}");
}

/// Issue 17, signature format 9: a sepia copy saved as a JPEG, as photo tools save it, leaves a
/// little more of its chroma unexplained by its luminance than a lossless one (up to 6.6 % in
/// the channel that decides); it must still be told toned and found. With the format 8 rule
/// (6 %), 4 of these 19 copies kept chroma that counted and were missed (35.2–47.3).
#[test]
fn issue_17_sepia_copies_saved_as_jpeg_are_compared_on_their_luminance() {
    let default = Sensitivity::default();
    let (mut coloured, mut missed) = (Vec::new(), Vec::new());
    for (name, photo) in &photos() {
        let original = probed(photo);
        let sepia = probed(&lookalike_tests::jpeg(&Edit::Sepia.apply(photo), 90));
        if sepia.0.is_informative(1) && sepia.0.is_informative(2) {
            coloured.push(format!("{name}: strength {:?}", sepia.0.strength()));
        }
        let c = compare_pictures(&sepia, &original);
        if !default.accepts(&c) {
            missed.push(format!("{name}: {:.1}", c.similarity));
        }
    }
    // One channel may still count (two copies keep a weak Q, 8–10 % unexplained), not both.
    assert!(
        coloured.is_empty(),
        "sepia copies whose chroma still counts in both channels: {coloured:?}"
    );
    // The bridge's copy is the one left (46.0): its warm average colour against the original's
    // cool one, as in the lossless test above.
    assert!(missed.len() <= 1, "sepia JPEG copies missed: {missed:?}");
}

/// Two lines of the harness's text across a `width` × `height` ground of one colour: a page
/// (dark outlined letters on paper) or a title card (on black).
fn lettered(width: u32, height: u32, ground: [u8; 3]) -> image::RgbImage {
    lookalike_tests::copies::text(&image::RgbImage::from_pixel(
        width,
        height,
        image::Rgb(ground),
    ))
}

/// Issue 17, signature format 10: an overlay's levels over a hazy picture are pulled to its
/// median, but text on a plain ground is the picture itself and is kept. Without the fade far
/// beyond a narrow range, a title card scored 20 against its own JPEG copy and 8 against a
/// grainy one (its text pulled into the black), and a page of text about as little. The page
/// with grain is asserted since signature format 13: its flat margins, which the paper keeps
/// round the text, are no longer cut as bars (14 of 20 grain patterns scored 0).
#[test]
fn issue_17_text_on_a_plain_ground_keeps_matching_its_copies() {
    let default = Sensitivity::default();
    let title = lettered(640, 360, [8, 8, 8]);
    let page = lettered(600, 800, [245, 245, 240]);
    for (name, picture) in [("title card", &title), ("page", &page)] {
        let original = probed(picture);
        for edit in [Edit::Jpeg50, Edit::Noise, Edit::Resize50, Edit::Brighter] {
            let c = compare_pictures(&probed(&edit.apply(picture)), &original);
            assert!(
                default.accepts(&c),
                "{name}, {}: {:.1}",
                edit.name(),
                c.similarity
            );
        }
    }
    // And the card is not the page (white text on black, dark text on white).
    let c = compare_pictures(&probed(&title), &probed(&page));
    assert!(
        !default.accepts(&c),
        "title card and page: {:.1}",
        c.similarity
    );
}

/// Signature format 12: a caption band's rows are read as the picture's nearest row, so a
/// captioned copy keeps its original's geometry and scores about as its picture, cut or
/// recompressed as well; and the same caption on two different photographs brings them no
/// closer than they were.
#[test]
fn issue_17_a_captioned_copy_scores_as_if_its_picture_ran_on() {
    use lookalike_tests::{caption, copies::crop_centre, jpeg};
    let default = Sensitivity::default();
    let photos = photos();
    let originals: Vec<_> = photos.iter().map(|(_, p)| probed(p)).collect();
    let captioned: Vec<_> = photos.iter().map(|(_, p)| probed(&caption(p))).collect();
    let mut scores = Vec::new();
    for (((name, photo), original), copy) in photos.iter().zip(&originals).zip(&captioned) {
        scores.push((compare_pictures(copy, original).similarity, name.as_str()));
        let cut = probed(&jpeg(&caption(&crop_centre(photo, 6)), 40));
        let c = compare_pictures(&cut, original);
        assert!(
            default.accepts(&c),
            "{name}, cut 6 %, captioned, JPEG q40: {:.1}",
            c.similarity
        );
    }
    scores.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (lowest, median) = (scores[0], scores[scores.len() / 2].0);
    // With the band left in the square: 74.7 and 83.2 on the accuracy harness.
    assert!(
        lowest.0 >= 78.0 && median >= 87.0,
        "lowest {lowest:?}, median {median:.1}"
    );
    assert_no_pair(&photos, &captioned, ", both captioned,");
}

/// Signature format 13: a page with grain over all of it (a scan: two lines of text across the
/// middle of a plain page) against its JPEG and its half-size copy. Smoothing leaves the copy's
/// margins uniform enough to be a run of bar lines, ended by the text's edge; the lines past it
/// are dense text, but the paper goes on at their ends, so the margins are the page's own
/// ground in the copy as in the scan. Before, the copy was cut to its text band and the scan
/// was not: 0 for 10 of 12 grain patterns.
#[test]
fn issue_17_a_grainy_page_matches_its_smoothed_copies() {
    let default = Sensitivity::default();
    let page = lettered(600, 800, [245, 245, 240]);
    for seed in 1..=12u32 {
        let scan = lookalike_tests::copies::noise(&page, 10, seed);
        let original = probed(&scan);
        for (what, copy) in [
            ("JPEG q50", lookalike_tests::jpeg(&scan, 50)),
            ("resize 50 %", Edit::Resize50.apply(&scan)),
        ] {
            let c = compare_pictures(&probed(&copy), &original);
            assert!(
                default.accepts(&c),
                "grain {seed}, {what}: {:.1}",
                c.similarity
            );
        }
    }
}
