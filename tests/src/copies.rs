//! The copies of the accuracy harness (issue 17): every kind of change a duplicate finder should
//! see through, made with the `image` crate at run time, plus the overlays that, put on
//! *different* photos, must not make them match.
//!
//! Every copy is deterministic (fixed noise seeds, fixed glyph patterns), so two runs measure the
//! same pixels.

use image::imageops::{self, FilterType};
use image::{Rgb, RgbImage};

use crate::{caption, jpeg, watermark};

/// One kind of copy (an edit of the original): a name for the tables and what it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// Scaled to 50 % (Lanczos).
    Resize50,
    /// Scaled to 25 % (triangle filter).
    Resize25,
    /// Re-encoded as JPEG, quality 90.
    Jpeg90,
    /// Re-encoded as JPEG, quality 50.
    Jpeg50,
    /// Re-encoded as JPEG, quality 20.
    Jpeg20,
    /// 30 levels brighter.
    Brighter,
    /// 30 levels darker.
    Darker,
    /// Contrast +30 %.
    ContrastUp,
    /// Contrast −40 % (a washed-out copy).
    ContrastDown,
    /// Gamma 0.7 (lighter mid-tones).
    GammaLight,
    /// Gamma 1.4 (darker mid-tones).
    GammaDark,
    /// Saturation +50 %.
    Saturated,
    /// Saturation −50 %.
    Desaturated,
    /// Hue turned by 30°.
    Hue,
    /// A warm colour balance: red +18, green +6, blue −18 levels (a "warm" filter).
    Warm,
    /// Black and white.
    Gray,
    /// Sepia toned.
    Sepia,
    /// Gaussian blur, σ = 1.5 % of the shorter side.
    Blur,
    /// Noise of about ±10 levels per channel.
    Noise,
    /// A translucent logo in the lower right corner.
    Logo,
    /// A dark caption band with text across the bottom.
    Caption,
    /// Two lines of large white text with a dark outline over the middle of the picture.
    Text,
    /// 5 % of the width and height cut away (half on each side).
    Crop5,
    /// 10 % cut away.
    Crop10,
    /// 20 % cut away.
    Crop20,
    /// 10 % of the width cut from the left side only (a strip trimmed off one side).
    CropLeft10,
    /// 14 % of the height cut from the top only.
    CropTop14,
    /// 7 % of the width and of the height cut from the right and the bottom: the top left
    /// corner kept, as a crop box dragged by hand usually is, off the middle.
    CropCorner7,
    /// Black bars above and below (12.5 % of the new height each).
    LetterboxBlack,
    /// Dark blue bars above and below.
    LetterboxColour,
    /// Black bars left and right (12 % of the new width each).
    PillarboxBlack,
    /// Mid-gray bars left and right.
    PillarboxGray,
    /// A white frame round the picture, 5 % of the side at the top, left and right, 18 % at
    /// the bottom (a print's border).
    FrameWhite,
    /// Black bars on all four sides: 8 % of the height above and below, 12 % of the width left
    /// and right (a 4:3 picture in a wide video frame that was letterboxed too).
    FrameBlack,
    /// Mirrored left to right.
    Mirror,
    /// Turned 90° clockwise.
    Rotate90,
    /// Turned 180°.
    Rotate180,
    /// Turned 270° clockwise.
    Rotate270,
    /// Mirrored upside down (a vertical flip). Not in issue 17's list; reported, not required:
    /// found with `--all-turns` (`Orientation::ALL`); by default only where a picture looks
    /// like itself turned (12 of 400 with the transposed copies, docs/accuracy.md).
    Flip,
    /// Reflected in the main diagonal: turned 90° clockwise, then mirrored. Not in issue 17's
    /// list; reported, not required: found with `--all-turns`.
    Transpose,
    /// Set in the middle of a square filled with itself, enlarged and blurred (a wide
    /// photograph posted square). Not in issue 17's list; reported, not required.
    BlurredSquare,
    /// Turned 3° and cropped to the largest upright rectangle of the same shape.
    Rotate3,
    /// Crop 6 %, caption band, JPEG quality 40.
    CropCaptionJpeg,
    /// Mirrored, then JPEG quality 50.
    MirrorJpeg,
    /// Letterboxed with black bars, then a caption band inside the picture, then JPEG 60.
    LetterboxCaptionJpeg,
    /// Mirrored, then 5 % cut away (a flipped and trimmed repost).
    MirrorCrop5,
    /// Turned 90° clockwise, halved and saved as JPEG quality 70 (a phone photo turned and shared).
    Rotate90Jpeg,
    /// A hazy copy: 30 % of the contrast around a light gray, 30 % of the saturation (fog, a
    /// washed-out scan). Near-gray, low-contrast pictures of different photographs are the hard
    /// negatives of issue 17; this makes one of every picture.
    Hazy,
    /// The hazy copy with the text over the picture: the same text over different near-gray
    /// pictures must not match (issue 17 measured 55.2 between two such photos). Not required
    /// to be found: over a picture with 30 % of its contrast, the white and black text is most
    /// of what is left to see.
    HazyText,
}

impl Edit {
    /// Every copy, in table order.
    pub const ALL: [Edit; 49] = [
        Edit::Resize50,
        Edit::Resize25,
        Edit::Jpeg90,
        Edit::Jpeg50,
        Edit::Jpeg20,
        Edit::Brighter,
        Edit::Darker,
        Edit::ContrastUp,
        Edit::ContrastDown,
        Edit::GammaLight,
        Edit::GammaDark,
        Edit::Saturated,
        Edit::Desaturated,
        Edit::Hue,
        Edit::Warm,
        Edit::Gray,
        Edit::Sepia,
        Edit::Blur,
        Edit::Noise,
        Edit::Logo,
        Edit::Caption,
        Edit::Text,
        Edit::Crop5,
        Edit::Crop10,
        Edit::Crop20,
        Edit::CropLeft10,
        Edit::CropTop14,
        Edit::CropCorner7,
        Edit::LetterboxBlack,
        Edit::LetterboxColour,
        Edit::PillarboxBlack,
        Edit::PillarboxGray,
        Edit::FrameWhite,
        Edit::FrameBlack,
        Edit::Mirror,
        Edit::Rotate90,
        Edit::Rotate180,
        Edit::Rotate270,
        Edit::Flip,
        Edit::Transpose,
        Edit::BlurredSquare,
        Edit::Rotate3,
        Edit::CropCaptionJpeg,
        Edit::MirrorJpeg,
        Edit::LetterboxCaptionJpeg,
        Edit::MirrorCrop5,
        Edit::Rotate90Jpeg,
        Edit::Hazy,
        Edit::HazyText,
    ];

    /// The copies that issue 17 does not require to be found at the default (reported anyway).
    pub fn is_exempt(self) -> bool {
        matches!(
            self,
            Edit::Rotate3
                | Edit::Crop20
                | Edit::HazyText
                | Edit::Flip
                | Edit::Transpose
                | Edit::BlurredSquare
        )
    }

    /// A short name for tables.
    pub fn name(self) -> &'static str {
        match self {
            Edit::Resize50 => "resize 50 %",
            Edit::Resize25 => "resize 25 %",
            Edit::Jpeg90 => "JPEG q90",
            Edit::Jpeg50 => "JPEG q50",
            Edit::Jpeg20 => "JPEG q20",
            Edit::Brighter => "brightness +30",
            Edit::Darker => "brightness −30",
            Edit::ContrastUp => "contrast +30 %",
            Edit::ContrastDown => "contrast −40 %",
            Edit::GammaLight => "gamma 0.7",
            Edit::GammaDark => "gamma 1.4",
            Edit::Saturated => "saturation +50 %",
            Edit::Desaturated => "saturation −50 %",
            Edit::Hue => "hue +30°",
            Edit::Warm => "warm tint",
            Edit::Gray => "gray",
            Edit::Sepia => "sepia",
            Edit::Blur => "blur",
            Edit::Noise => "noise ±10",
            Edit::Logo => "logo watermark",
            Edit::Caption => "caption band",
            Edit::Text => "text over the picture",
            Edit::Crop5 => "crop 5 %",
            Edit::Crop10 => "crop 10 %",
            Edit::Crop20 => "crop 20 %",
            Edit::CropLeft10 => "crop 10 % from the left",
            Edit::CropTop14 => "crop 14 % from the top",
            Edit::CropCorner7 => "crop 7 % from right and bottom",
            Edit::LetterboxBlack => "letterbox, black",
            Edit::LetterboxColour => "letterbox, blue",
            Edit::PillarboxBlack => "pillarbox, black",
            Edit::PillarboxGray => "pillarbox, gray",
            Edit::FrameWhite => "white frame, deeper at the bottom",
            Edit::FrameBlack => "black bars on all four sides",
            Edit::Mirror => "mirror",
            Edit::Rotate90 => "rotate 90°",
            Edit::Rotate180 => "rotate 180°",
            Edit::Rotate270 => "rotate 270°",
            Edit::Flip => "flip upside down",
            Edit::Transpose => "transpose (rotate 90° + mirror)",
            Edit::BlurredSquare => "in a blurred square of itself",
            Edit::Rotate3 => "rotate 3°",
            Edit::CropCaptionJpeg => "crop 6 % + caption + JPEG q40",
            Edit::MirrorJpeg => "mirror + JPEG q50",
            Edit::LetterboxCaptionJpeg => "letterbox + caption + JPEG q60",
            Edit::MirrorCrop5 => "mirror + crop 5 %",
            Edit::Rotate90Jpeg => "rotate 90° + resize 50 % + JPEG q70",
            Edit::Hazy => "hazy (30 % contrast and saturation)",
            Edit::HazyText => "hazy + text over the picture",
        }
    }

    /// Makes the copy.
    pub fn apply(self, img: &RgbImage) -> RgbImage {
        let (w, h) = img.dimensions();
        match self {
            Edit::Resize50 => imageops::resize(img, half(w), half(h), FilterType::Lanczos3),
            Edit::Resize25 => {
                imageops::resize(img, (w / 4).max(1), (h / 4).max(1), FilterType::Triangle)
            }
            Edit::Jpeg90 => jpeg(img, 90),
            Edit::Jpeg50 => jpeg(img, 50),
            Edit::Jpeg20 => jpeg(img, 20),
            Edit::Brighter => imageops::brighten(img, 30),
            Edit::Darker => imageops::brighten(img, -30),
            Edit::ContrastUp => imageops::contrast(img, 30.0),
            Edit::ContrastDown => imageops::contrast(img, -40.0),
            Edit::GammaLight => gamma(img, 0.7),
            Edit::GammaDark => gamma(img, 1.4),
            Edit::Saturated => saturate(img, 1.5),
            Edit::Desaturated => saturate(img, 0.5),
            Edit::Hue => imageops::huerotate(img, 30),
            Edit::Warm => {
                let mut out = img.clone();
                for p in out.pixels_mut() {
                    let [r, g, b] = p.0;
                    p.0 = [
                        r.saturating_add(18),
                        g.saturating_add(6),
                        b.saturating_sub(18),
                    ];
                }
                out
            }
            Edit::Gray => saturate(img, 0.0),
            Edit::Sepia => sepia(img),
            Edit::Blur => imageops::blur(img, w.min(h) as f32 * 0.015),
            // Seeded by the picture (FNV-1a of its bytes), so that two pictures do not share one
            // noise pattern. (A rotate-and-xor hash gave every gray picture of one size the same
            // seed: its three equal bytes per pixel cancelled out, and the quarters of a gray
            // photograph carried the same noise, a shared overlay no library has.)
            Edit::Noise => noise(
                img,
                10,
                img.as_raw().iter().fold(0x811c_9dc5, |h: u32, &b| {
                    (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
                }),
            ),
            Edit::Logo => watermark(img),
            Edit::Caption => caption(img),
            Edit::Text => text(img),
            Edit::Crop5 => crop_centre(img, 5),
            Edit::Crop10 => crop_centre(img, 10),
            Edit::Crop20 => crop_centre(img, 20),
            Edit::CropLeft10 => crop_sides(img, [10, 0, 0, 0]),
            Edit::CropTop14 => crop_sides(img, [0, 14, 0, 0]),
            Edit::CropCorner7 => crop_sides(img, [0, 0, 7, 7]),
            Edit::LetterboxBlack => letterbox(img, Rgb([0, 0, 0])),
            Edit::LetterboxColour => letterbox(img, Rgb([20, 40, 110])),
            Edit::PillarboxBlack => pillarbox(img, Rgb([0, 0, 0])),
            Edit::PillarboxGray => pillarbox(img, Rgb([128, 128, 128])),
            Edit::FrameWhite => frame(img, Rgb([255, 255, 255]), [5, 18, 5, 5]),
            Edit::FrameBlack => frame(img, Rgb([0, 0, 0]), [8, 8, 12, 12]),
            Edit::Mirror => imageops::flip_horizontal(img),
            Edit::Rotate90 => imageops::rotate90(img),
            Edit::Rotate180 => imageops::rotate180(img),
            Edit::Rotate270 => imageops::rotate270(img),
            Edit::Flip => imageops::flip_vertical(img),
            Edit::Transpose => imageops::flip_horizontal(&imageops::rotate90(img)),
            Edit::BlurredSquare => blurred_square(img),
            Edit::Rotate3 => rotate_small(img, 3.0),
            Edit::CropCaptionJpeg => jpeg(&caption(&crop_centre(img, 6)), 40),
            Edit::MirrorJpeg => jpeg(&imageops::flip_horizontal(img), 50),
            Edit::LetterboxCaptionJpeg => jpeg(&letterbox(&caption(img), Rgb([0, 0, 0])), 60),
            Edit::MirrorCrop5 => crop_centre(&imageops::flip_horizontal(img), 5),
            Edit::Hazy => hazy(img),
            Edit::HazyText => text(&hazy(img)),
            Edit::Rotate90Jpeg => {
                let turned = imageops::rotate90(img);
                let (tw, th) = turned.dimensions();
                jpeg(
                    &imageops::resize(&turned, half(tw), half(th), FilterType::Lanczos3),
                    70,
                )
            }
        }
    }
}

/// 30 % of the saturation, then 30 % of the contrast around a light gray (170): fog.
pub fn hazy(img: &RgbImage) -> RgbImage {
    let mut out = saturate(img, 0.3);
    for p in out.pixels_mut() {
        for c in p.0.iter_mut() {
            *c = (170.0 + 0.3 * (f32::from(*c) - 128.0))
                .round()
                .clamp(0.0, 255.0) as u8;
        }
    }
    out
}

/// A vignette as ffmpeg's `vignette=ANGLE` draws it: each pixel times cos⁴(angle · d / d_max),
/// `d` its distance from the middle and `d_max` the corner's (π/5 is ffmpeg's default, π/4 a
/// strong one: the corners keep a quarter of their level).
pub fn vignette(img: &RgbImage, angle: f32) -> RgbImage {
    let (w, h) = img.dimensions();
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let corner = cx.hypot(cy);
    let mut out = img.clone();
    for (x, y, p) in out.enumerate_pixels_mut() {
        let d = (x as f32 + 0.5 - cx).hypot(y as f32 + 0.5 - cy) / corner;
        let gain = (angle * d).cos().powi(4);
        for c in p.0.iter_mut() {
            *c = (f32::from(*c) * gain).round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

fn half(n: u32) -> u32 {
    (n / 2).max(1)
}

/// Cuts percentages of the width or height from the left, top, right and bottom sides.
pub fn crop_sides(img: &RgbImage, [left, top, right, bottom]: [u32; 4]) -> RgbImage {
    let (w, h) = img.dimensions();
    let (x0, y0) = (w * left / 100, h * top / 100);
    let (x1, y1) = (w - w * right / 100, h - h * bottom / 100);
    imageops::crop_imm(img, x0, y0, x1 - x0, y1 - y0).to_image()
}

/// Cuts `percent` % of the width and of the height away, half on each side.
pub fn crop_centre(img: &RgbImage, percent: u32) -> RgbImage {
    let (w, h) = img.dimensions();
    let (dx, dy) = (w * percent / 200, h * percent / 200);
    imageops::crop_imm(img, dx, dy, w - 2 * dx, h - 2 * dy).to_image()
}

fn gamma(img: &RgbImage, g: f32) -> RgbImage {
    let lut: Vec<u8> = (0..256)
        .map(|v| ((v as f32 / 255.0).powf(g) * 255.0).round() as u8)
        .collect();
    let mut out = img.clone();
    for p in out.pixels_mut() {
        for c in p.0.iter_mut() {
            *c = lut[usize::from(*c)];
        }
    }
    out
}

/// Blends every pixel with its luma: 0 gives gray, 1 the picture, more is more colourful.
pub fn saturate(img: &RgbImage, s: f32) -> RgbImage {
    let mut out = img.clone();
    for p in out.pixels_mut() {
        let [r, g, b] = p.0.map(f32::from);
        let y = 0.299 * r + 0.587 * g + 0.114 * b;
        p.0 = [r, g, b].map(|c| (y + s * (c - y)).round().clamp(0.0, 255.0) as u8);
    }
    out
}

fn sepia(img: &RgbImage) -> RgbImage {
    let mut out = img.clone();
    for p in out.pixels_mut() {
        let [r, g, b] = p.0.map(f32::from);
        let m = |a: f32, bb: f32, c: f32| (a * r + bb * g + c * b).round().clamp(0.0, 255.0) as u8;
        p.0 = [
            m(0.393, 0.769, 0.189),
            m(0.349, 0.686, 0.168),
            m(0.272, 0.534, 0.131),
        ];
    }
    out
}

/// Adds noise of about ±`amplitude` levels (a sum of uniform draws, so near-Gaussian),
/// independently per channel, from a fixed seed.
pub fn noise(img: &RgbImage, amplitude: i32, seed: u32) -> RgbImage {
    let mut out = img.clone();
    let mut x = seed.wrapping_mul(2654435761) | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        (x >> 8) as i32 % (amplitude + 1)
    };
    for p in out.pixels_mut() {
        for c in p.0.iter_mut() {
            let d = next() + next() - next() - next();
            *c = (i32::from(*c) + d).clamp(0, 255) as u8;
        }
    }
    out
}

/// Two lines of blocky white glyphs with a dark outline across the middle third: text laid over
/// the picture (a meme, a title). The glyphs depend only on their place, so the same text lands
/// on every picture.
pub fn text(img: &RgbImage) -> RgbImage {
    let mut out = img.clone();
    let (w, h) = img.dimensions();
    let cell = (h / 14).max(5); // glyph height
    let stroke = (cell / 5).max(1);
    let width = cell * 3 / 5;
    let lines = [(h * 38 / 100, 9u32), (h * 55 / 100, 7u32)];
    let lit = |gx: u32, gy: u32, line: u32, glyph: u32| -> bool {
        // A 3 × 5 pattern per glyph from a small hash: letter-like strokes.
        let k = (glyph * 31 + line * 17 + 7).wrapping_mul(2654435761) >> 7;
        let (cx, cy) = (gx * 3 / width.max(1), gy * 5 / cell.max(1));
        let edge = cx == 0 || cy == 0 || cy == 4 || cy == 2;
        edge && (k >> (cx * 5 + cy)) & 1 == 1 || cx == 0 && cy < 5 && k & 1 == 0
    };
    for (line, &(y0, count)) in lines.iter().enumerate() {
        let advance = width + stroke * 2;
        let total = advance * count;
        let x0 = w.saturating_sub(total) / 2;
        for g in 0..count {
            let gx0 = x0 + g * advance;
            for y in y0.saturating_sub(stroke)..(y0 + cell + stroke).min(h) {
                for x in gx0.saturating_sub(stroke)..(gx0 + width + stroke).min(w) {
                    let inside = |x: u32, y: u32| {
                        x >= gx0
                            && y >= y0
                            && x < gx0 + width
                            && y < y0 + cell
                            && lit(x - gx0, y - y0, line as u32, g)
                    };
                    if inside(x, y) {
                        out.put_pixel(x, y, Rgb([250, 250, 250]));
                    } else {
                        // The outline: dark where a lit pixel is within `stroke`.
                        let near = (x.saturating_sub(stroke)..=x + stroke).any(|xx| {
                            (y.saturating_sub(stroke)..=y + stroke).any(|yy| inside(xx, yy))
                        });
                        if near {
                            out.put_pixel(x, y, Rgb([10, 10, 10]));
                        }
                    }
                }
            }
        }
    }
    out
}

/// Bars above and below, each 12.5 % of the new height.
pub fn letterbox(img: &RgbImage, colour: Rgb<u8>) -> RgbImage {
    let (w, h) = img.dimensions();
    let bar = h / 6; // h / (h + 2·h/6) ≈ 75 %
    let mut out = RgbImage::from_pixel(w, h + 2 * bar, colour);
    imageops::replace(&mut out, img, 0, i64::from(bar));
    out
}

/// Bars left and right, each 12 % of the new width.
pub fn pillarbox(img: &RgbImage, colour: Rgb<u8>) -> RgbImage {
    let (w, h) = img.dimensions();
    let bar = w * 12 / 76;
    let mut out = RgbImage::from_pixel(w + 2 * bar, h, colour);
    imageops::replace(&mut out, img, i64::from(bar), 0);
    out
}

/// A frame of `colour` round the picture, `[top, bottom, left, right]` in hundredths of its
/// height or width: a print's white border, deeper at the bottom, or a video's bars on all
/// four sides (a 4:3 picture in a wide frame that was letterboxed too).
pub fn frame(img: &RgbImage, colour: Rgb<u8>, [top, bottom, left, right]: [u32; 4]) -> RgbImage {
    let (w, h) = img.dimensions();
    let part = |side: u32, share: u32| (side * share / 100).max(1);
    let (t, l) = (part(h, top), part(w, left));
    let mut out = RgbImage::from_pixel(w + l + part(w, right), h + t + part(h, bottom), colour);
    imageops::replace(&mut out, img, i64::from(l), i64::from(t));
    out
}

/// Turns the picture by `degrees` about its centre (bilinear) and keeps the largest rectangle of
/// the same shape that lies inside the turned picture, as a photo editor's "straighten" does.
pub fn rotate_small(img: &RgbImage, degrees: f32) -> RgbImage {
    let (w, h) = img.dimensions();
    let (wf, hf) = (w as f32, h as f32);
    let (s, c) = degrees.to_radians().sin_cos();
    let (s, c) = (s.abs(), c.abs());
    // Scale k so that a k·w × k·h rectangle fits inside the turned w × h one.
    let k = (wf / (wf * c + hf * s)).min(hf / (wf * s + hf * c));
    let (ow, oh) = (((wf * k) as u32).max(1), ((hf * k) as u32).max(1));
    let (sin, cos) = degrees.to_radians().sin_cos();
    let mut out = RgbImage::new(ow, oh);
    for (x, y, p) in out.enumerate_pixels_mut() {
        let (dx, dy) = (
            x as f32 + 0.5 - ow as f32 / 2.0,
            y as f32 + 0.5 - oh as f32 / 2.0,
        );
        let sx = cos * dx + sin * dy + wf / 2.0 - 0.5;
        let sy = -sin * dx + cos * dy + hf / 2.0 - 0.5;
        let (x0, y0) = (sx.floor().max(0.0), sy.floor().max(0.0));
        let (fx, fy) = (sx - x0, sy - y0);
        let (x0, y0) = ((x0 as u32).min(w - 1), (y0 as u32).min(h - 1));
        let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
        let at = |x: u32, y: u32, ch: usize| f32::from(img.get_pixel(x, y).0[ch]);
        p.0 = core::array::from_fn(|ch| {
            let top = at(x0, y0, ch) * (1.0 - fx) + at(x1, y0, ch) * fx;
            let bottom = at(x0, y1, ch) * (1.0 - fx) + at(x1, y1, ch) * fx;
            (top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8
        });
    }
    out
}

/// `img` in the middle of a square filled with itself, enlarged to cover the square, cut to
/// it and blurred (shrunk to a twenty-fourth of the square's side and enlarged back: a blur
/// some 24 pixels wide per side of 600, as a post's fill is), the picture laid over its middle.
/// (The outside check's fill stretches the picture to the square instead.)
pub fn blurred_square(img: &RgbImage) -> RgbImage {
    let (w, h) = img.dimensions();
    let side = w.max(h);
    let short = w.min(h).max(1);
    // Enlarged so that its short side covers the square, then its middle cut to the square.
    let (cw, ch) = (
        (u64::from(w) * u64::from(side)).div_ceil(u64::from(short)) as u32,
        (u64::from(h) * u64::from(side)).div_ceil(u64::from(short)) as u32,
    );
    let cover = imageops::resize(img, cw.max(side), ch.max(side), FilterType::Triangle);
    let cover = imageops::crop_imm(
        &cover,
        (cover.width() - side) / 2,
        (cover.height() - side) / 2,
        side,
        side,
    )
    .to_image();
    let small = (side / 24).max(2);
    let ground = imageops::resize(&cover, small, small, FilterType::Triangle);
    let mut out = imageops::resize(&ground, side, side, FilterType::Triangle);
    imageops::overlay(
        &mut out,
        img,
        i64::from((side - w) / 2),
        i64::from((side - h) / 2),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the noise edit added to each pixel's first channel.
    fn grain(img: &RgbImage) -> Vec<i32> {
        let noisy = Edit::Noise.apply(img);
        img.pixels()
            .zip(noisy.pixels())
            .map(|(a, b)| i32::from(b.0[0]) - i32::from(a.0[0]))
            .collect()
    }

    #[test]
    fn two_gray_pictures_of_one_size_get_different_noise() {
        let gray = |f: fn(u32, u32) -> u8| {
            RgbImage::from_fn(64, 48, |x, y| {
                let v = f(x, y);
                image::Rgb([v, v, v])
            })
        };
        let a = grain(&gray(|x, y| (60 + x + y) as u8));
        let b = grain(&gray(|x, y| (90 + 2 * x - y) as u8));
        let same = a.iter().zip(&b).filter(|(p, q)| p == q).count();
        assert!(
            same * 3 < a.len(),
            "{same} of {} pixels got the same noise",
            a.len()
        );
        // Deterministic: the same picture gets the same noise.
        assert_eq!(a, grain(&gray(|x, y| (60 + x + y) as u8)));
    }
}
