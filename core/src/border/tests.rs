//! Tests of [`super::content_region`].
use super::*;
use alloc::vec::Vec;

/// A textured picture, `w × h`, inside bars of `colour`: `top`/`bottom` rows, `left`/`right`
/// columns.
fn framed(w: u32, h: u32, bars: [u32; 4], colour: [u8; 3]) -> (u32, u32, Vec<u8>) {
    let picture: Vec<u8> = (0..w * h)
        .flat_map(|i| {
            let (u, v) = (i % w, i / w);
            [
                (u * 7 % 256) as u8,
                ((u * v) % 200) as u8,
                (v * 3 % 256) as u8,
            ]
        })
        .collect();
    in_bars(&picture, w, h, bars, colour)
}

/// `picture` (`w × h`, RGB) in bars of `colour`, `[top, bottom, left, right]` pixels deep.
pub(in crate::border) fn in_bars(
    picture: &[u8],
    w: u32,
    h: u32,
    [top, bottom, left, right]: [u32; 4],
    colour: [u8; 3],
) -> (u32, u32, Vec<u8>) {
    let (fw, fh) = (w + left + right, h + top + bottom);
    let data = (0..fw * fh)
        .flat_map(|i| {
            let (x, y) = (i % fw, i / fw);
            if (left..left + w).contains(&x) && (top..top + h).contains(&y) {
                let at = (((y - top) * w + x - left) * 3) as usize;
                [picture[at], picture[at + 1], picture[at + 2]]
            } else {
                colour
            }
        })
        .collect();
    (fw, fh, data)
}

fn region(w: u32, h: u32, data: &[u8]) -> Region {
    content_region(&Pixels::new(w, h, PixelLayout::Rgb8, data).unwrap())
}

#[test]
fn letterbox_and_pillarbox_bars_of_any_colour_are_cut() {
    for colour in [[0, 0, 0], [128, 128, 128], [20, 40, 110], [255, 255, 255]] {
        let (w, h, data) = framed(200, 100, [20, 20, 0, 0], colour);
        assert_eq!(
            region(w, h, &data),
            Region {
                x: 0,
                y: 20,
                width: 200,
                height: 100
            },
            "{colour:?}"
        );
        let (w, h, data) = framed(120, 150, [0, 0, 30, 31], colour);
        assert_eq!(
            region(w, h, &data),
            Region {
                x: 30,
                y: 0,
                width: 120,
                height: 150
            },
            "{colour:?}"
        );
    }
}

#[test]
fn pictures_without_borders_are_kept_whole() {
    let (w, h, data) = framed(160, 90, [0; 4], [0, 0, 0]);
    assert_eq!(
        region(w, h, &data),
        Region {
            x: 0,
            y: 0,
            width: 160,
            height: 90
        }
    );
}

#[test]
fn a_ground_that_fades_into_the_picture_is_not_a_border() {
    // A sky: rows of one colour each, one level brighter per row, then the picture.
    let (w, h, mut data) = framed(120, 60, [40, 0, 0, 0], [0, 0, 0]);
    for y in 0..40usize {
        for px in data[y * 120 * 3..(y + 1) * 120 * 3].chunks_exact_mut(3) {
            px.copy_from_slice(&[100 + y as u8, 120 + y as u8, 200]);
        }
    }
    assert_eq!(region(w, h, &data).y, 0);
}

#[test]
fn a_uniform_picture_is_kept_whole() {
    let data = [7u8; 64 * 48 * 3];
    assert_eq!(
        region(64, 48, &data),
        Region {
            x: 0,
            y: 0,
            width: 64,
            height: 48
        }
    );
}

/// Issue 17: a letterboxed copy saved as JPEG kept its bars when the edge of the picture
/// was not on a block boundary: the picture rings into the bar's last lines, and its block
/// is a few levels off.
#[test]
fn a_bar_that_a_jpeg_smeared_into_is_still_cut() {
    let (w, h, mut data) = framed(160, 100, [30, 30, 0, 0], [0, 0, 0]);
    // Rows 24 to 29 (the block of the edge at 30, and the one at the bottom: rows 130 to
    // 135 of the block 128–135): 9 levels off, and one pixel in ten 40 levels off.
    for y in (24..30).chain(130..136) {
        for x in 0..w {
            let at = ((y * w + x) * 3) as usize;
            let v = if x % 10 == 3 { 40 } else { 9 };
            data[at..at + 3].copy_from_slice(&[v, v / 2, v]);
        }
    }
    assert_eq!(
        region(w, h, &data),
        Region {
            x: 0,
            y: 30,
            width: 160,
            height: 100
        }
    );
    // The same lines across a block boundary, or over a bar of less than a block's depth,
    // are no border: a caption band, a dark corner of a photograph.
    for (bar, first) in [(30, 8), (6, 4)] {
        let (w, h, mut data) = framed(160, 100, [bar, 0, 0, 0], [0, 0, 0]);
        for y in first..bar {
            for x in 0..w {
                let at = ((y * w + x) * 3) as usize;
                data[at] = if x % 10 == 3 { 40 } else { 9 };
            }
        }
        assert_eq!(region(w, h, &data).y, 0, "bar {bar}, smeared from {first}");
    }
}

/// An object on a plain ground is no border, however small the picture: its top's strays
/// lie together, not spread along the line as a JPEG's ringing is.
#[test]
fn an_object_on_a_plain_ground_is_kept_whole_at_any_size() {
    for scale in [1u32, 2, 4] {
        let (w, h) = (200 * scale, 200 * scale);
        let (cx, cy, r) = (
            100.0 * scale as f32,
            103.5 * scale as f32,
            55.0 * scale as f32,
        );
        let data: Vec<u8> = (0..w * h)
            .flat_map(|i| {
                let (x, y) = ((i % w) as f32 + 0.5, (i / w) as f32 + 0.5);
                let v = if (x - cx).hypot(y - cy) < r { 40 } else { 255 };
                [v, v, v]
            })
            .collect();
        assert_eq!(
            region(w, h, &data),
            Region::whole(&Pixels::new(w, h, PixelLayout::Rgb8, &data).unwrap()),
            "scale {scale}"
        );
    }
}

/// A subtitle written into the bottom bar (or a logo into a side bar) ends that bar's run
/// of lines: it is cut as deep as the opposite bar, which has nothing written in it.
#[test]
fn a_bar_with_a_subtitle_in_it_is_cut_as_deep_as_the_other() {
    // Bars of 24 rows, one row deeper at the bottom (padding rounds); white letters over
    // a fifth of the width in rows 8 to 15 of the bottom bar.
    let (w, h, mut data) = framed(200, 100, [24, 25, 0, 0], [0, 0, 0]);
    for y in 132..140 {
        for x in 0..w {
            if x % 5 == 2 && (60..140).contains(&x) || x % 10 == 4 {
                let at = ((y * w + x) * 3) as usize;
                data[at..at + 3].copy_from_slice(&[235, 235, 235]);
            }
        }
    }
    let expected = Region {
        x: 0,
        y: 24,
        width: 200,
        height: 100,
    };
    assert_eq!(region(w, h, &data), expected);
    // Turned a quarter: a logo in the right pillar bar.
    let turned: Vec<u8> = (0..w)
        .flat_map(|x| (0..h).map(move |y| (x, y)))
        .flat_map(|(x, y)| {
            let at = ((y * w + x) * 3) as usize;
            [data[at], data[at + 1], data[at + 2]]
        })
        .collect();
    let got = region(h, w, &turned);
    assert_eq!((got.x, got.width), (24, 100), "{got:?}");
    // Without a bar on the other side, the same letters over black are kept: nothing says
    // how deep a bar they would be in.
    let (w, h, mut data) = framed(200, 100, [0, 25, 0, 0], [0, 0, 0]);
    for y in 108..116 {
        for x in (2..w).step_by(5) {
            let at = ((y * w + x) * 3) as usize;
            data[at..at + 3].copy_from_slice(&[235, 235, 235]);
        }
    }
    assert_eq!(region(w, h, &data).height, 125);
}

#[test]
fn noisy_bars_are_still_bars_and_no_side_takes_more_than_its_share() {
    let (w, h, mut data) = framed(100, 100, [30, 0, 0, 0], [10, 10, 10]);
    // Up to 12 levels of noise on the bar, as a JPEG leaves it.
    for (i, v) in data.iter_mut().take(100 * 30 * 3).enumerate() {
        *v += ((i * 7919) % 13) as u8;
    }
    assert_eq!(region(w, h, &data).y, 30);
    // A plain ground over more than 40 % of a side is no border: a picture that is all
    // ground but a thin line at the bottom is kept whole.
    let (w, h, data) = framed(100, 2, [98, 0, 0, 0], [0, 0, 0]);
    assert_eq!(region(w, h, &data).y, 0);
}

/// A page: paper of level 225 with a grain of ±6 (within the tolerance, not flat), lines of
/// dark text on a third of the rows from the left edge to `text_to` columns in, and `bar`
/// columns of flat paper colour added on the right.
fn page(w: u32, h: u32, text_to: u32, bar: u32) -> (u32, u32, Vec<u8>) {
    let mut data = Vec::new();
    for y in 0..h {
        for x in 0..w + bar {
            let v = if x >= w {
                225
            } else if x < text_to && (4..8).contains(&(y % 12)) {
                40
            } else {
                (219 + (x * 7 + y * 5) % 13) as u8
            };
            data.extend_from_slice(&[v, v, v]);
        }
    }
    (w + bar, h, data)
}

/// Signature format 11: a grained margin that the page keeps past the text's edge is the
/// page's own ground. Before, a copy whose grain a JPEG had smoothed into a uniform run lost
/// that margin as a bar, and its original (whose grain strayed further) kept it: a page's
/// corner against its mirrored JPEG copy scored 32.6, 95.5 since. A flat bar added beside
/// the same page is still cut.
#[test]
fn a_grained_margin_the_page_keeps_is_no_bar_but_a_flat_bar_beside_it_is() {
    let (w, h, data) = page(200, 120, 188, 0);
    let r = region(w, h, &data);
    assert_eq!((r.x, r.width), (0, 200), "{r:?}");
    let (w, h, data) = page(200, 120, 200, 16);
    let r = region(w, h, &data);
    assert_eq!((r.x, r.width), (0, 200), "{r:?}");
}

/// `framed`'s picture with a band of `depth` rows of `colour` along its bottom (or its top),
/// white marks written across the middle of its rows from `text_from` rows in, `text_rows`
/// rows of them.
fn captioned(depth: u32, text_from: u32, text_rows: u32, top: bool) -> (u32, u32, Vec<u8>) {
    let (w, h, mut data) = framed(200, 120, [0; 4], [0, 0, 0]);
    for i in 0..depth {
        let y = if top { i } else { h - 1 - i };
        for x in 0..w {
            // Strokes 3 pixels wide, two in three groups of two: an eighth of the row lit,
            // as a line of text leaves it.
            let text = (text_from..text_from + text_rows).contains(&i)
                && (30..170).contains(&x)
                && (x / 3) % 4 == 0
                && (x / 24 + i) % 3 != 0;
            let at = ((y * w + x) * 3) as usize;
            let v = if text { 250 } else { 20 };
            data[at..at + 3].copy_from_slice(&[v, v, v]);
        }
    }
    (w, h, data)
}

fn content_of(w: u32, h: u32, data: &[u8]) -> Content {
    content(&Pixels::new(w, h, PixelLayout::Rgb8, data).unwrap())
}

/// Signature format 12: a caption band (text written in a band of one colour at the top or
/// the bottom) is no bar, so the region keeps it, but its rows are read as the picture's
/// nearest row.
#[test]
fn a_caption_band_at_the_top_or_the_bottom_is_found() {
    for top in [false, true] {
        let (w, h, data) = captioned(20, 5, 10, top);
        let c = content_of(w, h, &data);
        assert_eq!(c.region, region(w, h, &data), "top {top}");
        assert_eq!((c.region.y, c.region.height), (0, 120), "top {top}: {c:?}");
        let bands = if top { [20, 0] } else { [0, 20] };
        assert_eq!(c.bands, bands, "top {top}");
        assert_eq!(c.rows(), if top { (20, 119) } else { (0, 99) });
    }
}

/// What is not a caption band: a band of one colour with no text (a bar, left to
/// [`content_region`]), text that reaches the band's inner edge (no plain line between), and
/// one or two stretches of something far from the band's colour in each row (a subject in a
/// plain ground, a disc's edge on black).
#[test]
fn only_text_inside_a_band_makes_a_caption_band() {
    for (depth, text_from, text_rows) in [(20, 10, 10), (20, 5, 0)] {
        let (w, h, data) = captioned(depth, text_from, text_rows, false);
        let c = content_of(w, h, &data);
        assert_eq!(
            c.bands,
            [0, 0],
            "text from {text_from}, {text_rows} rows: {c:?}"
        );
    }
    // A bright disc cut by the bottom edge of a black picture whose top half is a texture.
    let (w, h) = (200u32, 120u32);
    let mut data = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let (dx, dy) = (x as f32 - 100.0, y as f32 - 140.0);
            let v = if y < 60 {
                [
                    (x * 7 % 256) as u8,
                    ((x * y) % 200) as u8,
                    (y * 3 % 256) as u8,
                ]
            } else if dx * dx + dy * dy < 60.0 * 60.0 {
                [230, 120, 60]
            } else {
                [5, 5, 5]
            };
            data.extend_from_slice(&v);
        }
    }
    assert_eq!(content_of(w, h, &data).bands, [0, 0]);
    // Two posts standing in a black ground below a textured picture, a few black rows
    // between them and it.
    let (w, h, mut data) = captioned(24, 0, 0, false);
    for y in h - 24 + 5..h {
        for x in (60..64).chain(140..146) {
            let at = ((y * w + x) * 3) as usize;
            data[at..at + 3].copy_from_slice(&[240, 240, 240]);
        }
    }
    assert_eq!(content_of(w, h, &data).bands, [0, 0]);
}

/// A page of paper 225, grained ±6 or flat, with dense lines of dark "text" (more ink than
/// paper along each of them, 7 rows high with 3 rows of paper between them) over the middle
/// 80 % of its width, from 30 % to 70 % of its height: margins of 30 % above and below, 10 %
/// left and right.
fn dense_page(w: u32, h: u32, grain: bool) -> Vec<u8> {
    let mut data = Vec::new();
    for y in 0..h {
        for x in 0..w {
            // Lines of text 7 rows high, 3 rows apart: more ink than paper along each line.
            let text = (w / 10..w * 9 / 10).contains(&x)
                && (h * 3 / 10..h * 7 / 10).contains(&y)
                && y % 10 < 7;
            let v = match (text, grain) {
                (true, _) => 40 + ((x * 3 + y) % 9) as u8,
                (false, true) => (219 + (x * 7 + y * 5) % 13) as u8,
                (false, false) => 225,
            };
            data.extend_from_slice(&[v, v, v]);
        }
    }
    data
}

/// Signature format 13: a margin is the page's own ground when the paper goes on round the text
/// past its edge, at both ends of the lines there, even where the text is dense, grained or
/// flat. Before, a smoothed copy's margins were cut as bars (its text band alone was hashed)
/// while the grainy scan kept them, and a flat page lost them while its grainy copy kept them.
#[test]
fn a_margin_that_goes_on_round_dense_text_is_the_pages_own_ground() {
    for grain in [true, false] {
        let data = dense_page(200, 160, grain);
        assert_eq!(
            region(200, 160, &data),
            Region {
                x: 0,
                y: 0,
                width: 200,
                height: 160
            },
            "grain {grain}"
        );
    }
    // A flat black bar above a night sky: the sky's rows are nearly black at their ends but
    // grained, not flat, so the bar is still cut.
    let (w, h) = (200u32, 140u32);
    let mut data = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let v = if y < 20 {
                0
            } else if (w / 10..w * 9 / 10).contains(&x) {
                120 + ((x + y) % 40) as u8
            } else {
                ((x * 7 + y * 5) % 13) as u8
            };
            data.extend_from_slice(&[v, v, v]);
        }
    }
    assert_eq!(region(w, h, &data).y, 20);
}

/// [`captioned`]'s band at the bottom, `depth` rows, with lines of text from `text_from` rows in,
/// `text_rows` of them, rung as a JPEG rings round letters: each 3-pixel stroke of white has 3
/// pixels darker than the band before it and 3 lighter after it, so that more than half of
/// such a line strays from the band's colour while its median keeps it.
fn rung_caption(depth: u32, text_from: u32, text_rows: u32) -> (u32, u32, Vec<u8>) {
    let (w, h, mut data) = captioned(depth, 0, 0, false);
    for i in text_from..text_from + text_rows {
        let y = h - 1 - i;
        for x in 30..170 {
            let v = match x % 12 {
                0..3 => 0,
                3..6 => 250,
                6..9 => 45,
                _ => 20,
            };
            let at = ((y * w + x) * 3) as usize;
            data[at..at + 3].copy_from_slice(&[v, v, v]);
        }
    }
    (w, h, data)
}

/// A line of text whose ringing (a JPEG q40 of a small captioned copy) moves more than half of
/// its pixels off the band's colour is still text in the band, not the band's inner edge:
/// before, the band ended there with no plain line after its text and was no caption band
/// (a captioned crop of the moon's quarter, JPEG q40: 44.2 against its picture; 70.4 since).
#[test]
fn a_line_of_text_rung_by_a_jpeg_is_no_edge_of_its_band() {
    let (w, h, data) = rung_caption(20, 5, 10);
    let c = content_of(w, h, &data);
    assert_eq!(c.bands, [0, 20], "{c:?}");
    // Text rung up to the band's inner edge is still no caption band.
    let (w, h, data) = rung_caption(20, 10, 10);
    assert_eq!(content_of(w, h, &data).bands, [0, 0]);
}

/// A picture in a frame of one colour on all four sides, deeper at the bottom as a print's
/// border often is (or as deep all round, a video's bars on four sides), is cut to the picture,
/// whatever the frame's colour, also when a JPEG has smeared the picture's edge into it.
#[test]
fn a_frame_on_all_four_sides_is_cut() {
    for colour in [[255, 255, 255], [0, 0, 0], [200, 30, 60]] {
        for sides in [[10, 40, 12, 12], [24, 24, 30, 30], [9, 9, 9, 9]] {
            let (w, h, mut data) = framed(200, 150, sides, colour);
            let inside = Region {
                x: sides[2],
                y: sides[0],
                width: 200,
                height: 150,
            };
            assert_eq!(region(w, h, &data), inside, "{colour:?} {sides:?}");
            // Ringing of ±6 levels in the frame's lines next to the picture.
            for y in 0..h {
                for x in 0..w {
                    let near = |a: u32, b: u32| a + 3 >= b && a < b;
                    if near(x, sides[2]) || near(y, sides[0]) {
                        let at = ((y * w + x) * 3) as usize;
                        for v in &mut data[at..at + 3] {
                            *v = if (x + y) % 2 == 0 {
                                v.saturating_add(6)
                            } else {
                                v.saturating_sub(6)
                            };
                        }
                    }
                }
            }
            assert_eq!(region(w, h, &data), inside, "smeared {colour:?} {sides:?}");
        }
    }
}

/// What a frame holds must fill it: a page's lines of text inside margins of its own paper are
/// no picture in a frame and are kept whole (an object on a plain ground is neither:
/// `an_object_on_a_plain_ground_is_kept_whole_at_any_size`).
#[test]
fn only_a_picture_that_fills_it_makes_a_frame() {
    // Dark marks within margins of 10 % of paper on all four sides, where `ink` says.
    let (w, h) = (200u32, 160u32);
    let page = |ink: &dyn Fn(u32, u32) -> bool| -> Vec<u8> {
        (0..w * h)
            .flat_map(|i| {
                let (x, y) = (i % w, i / w);
                let inside = (20..180).contains(&x) && (16..144).contains(&y);
                let v = if inside && ink(x, y) {
                    40 + ((x * 3 + y) % 9) as u8
                } else {
                    225
                };
                [v, v, v]
            })
            .collect()
    };
    // Lines of text 7 rows high, 3 rows apart: their gaps reach both margins.
    let data = page(&|_, y| y % 10 < 7);
    assert_eq!(
        region(w, h, &data),
        Region::whole(&Pixels::new(w, h, PixelLayout::Rgb8, &data).unwrap())
    );
    // A solid block inside the same margins fills them: a picture in a frame.
    let data = page(&|_, _| true);
    assert_eq!(
        region(w, h, &data),
        Region {
            x: 20,
            y: 16,
            width: 160,
            height: 128
        }
    );
}
