//! Step 3 of the method: the signature.
//!
//! Per channel (Y, I, Q) the signature keeps what the paper's score reads (§3.2, "truncation"
//! and "quantization"): the average colour (the DC term, coefficient 0) and the sign and
//! position of `m` coefficients of largest magnitude among the other 16 383 (the two finest
//! levels' weighed down, [`LEVEL_WEIGHT`]), spread over the picture: no 16 × 16 cell of the square gives more than one of them, no row or column band
//! more than three, and a quarter of them the strongest detail of as many cells, at most three
//! in a row or column of cells ([`select_spread`]; the paper takes the `m` largest wherever they are, ours since formats 3
//! and 4, issue 17). Ties are broken by position (smaller first), so the choice is
//! deterministic, and with it the signature.
//!
//! Beside that, per channel, the *strength*: the magnitude of the `m`-th largest coefficient
//! (before spreading). It tells a channel that carries structure from one that is noise: the
//! chroma channels of a black and white or near-gray photo hold tiny coefficients whose top-`m`
//! positions are random, so matching them only subtracts evidence. Scoring ignores the
//! positions of a chroma channel that is below [`CHROMA_NOISE_FLOOR`] on either side (see
//! [`compare`](crate::compare)); duplo-rs, which always compares them, misses most gray copies
//! of colour photos.
//!
//! Deliberate differences from the references: duplo-rs keeps the whole 128 × 128 × 3
//! coefficient matrix in every hash and selects the top coefficients by signed value; we keep
//! about 400 bytes and select by magnitude, as the paper does. The aspect ratio is a float
//! (duplo-rs divides integers).
//!
//! # Byte format (version 18, little-endian)
//!
//! Versions 2 to 18 (issue 17) have the layout of version 1, but version 2 signatures are
//! computed inside uniform borders ([`crate::content_region`]), version 3 ones keep coefficients
//! spread over the picture ([`select_spread`]), version 4 a quarter of them for detail
//! ([`DETAIL_SHARE`]), version 5 ones cut the bars of a letterboxed JPEG whose picture smeared
//! into them and record toned chroma (sepia) with strength 0, version 6 ones equalize the
//! luminance ([`equalize`]), version 7 ones tell toned chroma on the whole 128 × 128 picture,
//! version 8 ones cut a bar with a subtitle written into it as deep as the opposite bar,
//! 9 ones tell toned chroma at 7 % (`tone.rs`), 10 ones pull an overlay's levels to the median
//! (`equalize.rs`) and cut no object on white, 11 ones no grained ground (`border.rs`), 12 ones
//! take the outermost levels at 0.7 % and fill caption bands ([`content`], marked in the `m`
//! byte), 13 ones keep a margin that goes on round a page's text (`border.rs`), 14 ones cut a
//! frame on all four sides round a picture that fills it (`border/frame.rs`), 15 ones cut a
//! blurred fill on two opposite sides (`border/fill.rs`), 16 ones weigh the finest levels
//! less in the selection ([`LEVEL_WEIGHT`]), 17 ones undo a vignette before the equalization
//! ([`equalize`]'s `vignette.rs`), 18 ones cut a flat, dark ground with the bars beside it
//! (`border/ground.rs`, `dark_ground`). Older are refused.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | magic `LKSG` |
//! | 4 | 1 | format version (18) |
//! | 5 | 1 | `m`, coefficients per channel (1–60), plus 128 for a caption band (`banded`) |
//! | 6 | 4 | aspect ratio, f32 |
//! | 10 | 12 | average colour Y, I, Q, f32 each |
//! | 22 | 12 | strength Y, I, Q, f32 each |
//! | 34 | 6m | per channel Y, I, Q: `m` coefficient codes, u16 each, strictly increasing |
//!
//! A coefficient code is `position | 0x4000` for a negative coefficient and `position` for a
//! positive one, where `position = row × 128 + col` (1–16383).

use alloc::vec::Vec;

use crate::{
    AREA, DEFAULT_COEFFICIENTS, Error, MAX_COEFFICIENTS, Pixels, Planes, content, decompose,
    decompose_planes, downscale_content, equalize, planes_to_yiq,
};

pub use crate::select::{
    CELL_CAP, CELLS_PER_SIDE, COARSE, DETAIL_SHARE, LEVEL_WEIGHT, NEGATIVE, WIDE_CAP, max_wide,
    select_spread, select_top,
};

/// The format version this build writes and reads.
pub const FORMAT_VERSION: u8 = 18;

/// The four bytes every encoded signature starts with.
pub const MAGIC: [u8; 4] = *b"LKSG";

/// The bit of the `m` byte that says the picture had a caption band ([`Signature::banded`]).
const BANDED: u8 = 0x80;

/// Bytes before the coefficient codes.
const HEADER_LEN: usize = 34;

/// Below this strength, a chroma channel (I or Q) is treated as noise when scoring.
///
/// Chosen from measurements on the 19 test photographs (`cargo run -p lookalike-tests --example
/// calibrate`): gray copies have I and Q strengths below 10⁻⁹, gray copies with ±2 levels of
/// independent per-channel noise about 2.4·10⁻⁵, while the weakest real chroma channel among the
/// colour photos is 3.6·10⁻⁴. The floor sits between the two, four times above the noise.
pub const CHROMA_NOISE_FLOOR: f32 = 1e-4;

/// Below this strength, the luminance (Y) of a picture is treated as having no structure: a
/// black, one-colour or faded frame whose top-`m` positions are noise (issue 17: three unrelated
/// videos opening with 20 s of black matched each other). Such a picture matches nothing.
///
/// Measured (`tests/src/bin/accuracy`, and flat frames made in code): every photograph of the
/// accuracy harness and every quarter of one has a Y strength of at least 8.9·10⁻⁴; flat frames
/// with ±2 to ±6 levels of noise and a faint gradient, 0.6 to 1.6·10⁻⁴; an exactly flat one, 0.
/// The floor sits between the two.
pub const STRUCTURE_FLOOR: f32 = 3e-4;

/// From this strength up to [`STRUCTURE_FLOOR`], the luminance of a picture is *faint*: a
/// foggy, night or low-contrast copy of a picture with structure, whose largest coefficients
/// are still the picture's (the harness's cell quarter at contrast −40 % and hazy: 2.2 to
/// 2.6·10⁻⁴). A faint luminance is compared with one that has structure, never with another
/// faint one nor with a flat one ([`Signature::informative_with`]): two faint pictures are as
/// likely two fades or two fogs as one picture, while a faint picture and one with structure
/// agree on their codes only when the structure is the same.
///
/// Flat frames made in code (±2 to ±6 levels of noise, a faint gradient, a vignette) reach at
/// most 1.6·10⁻⁴, below this floor, so they still match nothing.
pub const FAINT_FLOOR: f32 = 2e-4;

/// The compact description of one image: average colour and top-`m` coefficient signs and
/// positions per YIQ channel, plus the aspect ratio.
#[derive(Clone, Copy, PartialEq)]
pub struct Signature {
    m: u8,
    /// Whether the picture had a caption band, read as its nearest row ([`crate::Content`]).
    banded: bool,
    aspect: f32,
    average: [f32; 3],
    strength: [f32; 3],
    codes: [[u16; MAX_COEFFICIENTS]; 3],
}

/// The decomposed planes a signature is made from (the arguments of
/// [`Signature::from_coefficients`]): bars and frames cut before the resample and caption
/// bands read as the picture's nearest row (issue 17; see [`content`]), the luminance
/// decomposed as it is (for the average and the strength) and equalized (for the rest).
pub(crate) fn coefficients(pixels: &Pixels<'_>) -> (Planes, Vec<f32>, f32, bool) {
    let content = content(pixels);
    let mut planes = Planes::zeroed();
    downscale_content(pixels, content, &mut planes);
    planes_to_yiq(&mut planes);
    let mut luminance = planes.channel(0).to_vec();
    equalize(planes.channel_mut(0));
    decompose(&mut luminance);
    decompose_planes(&mut planes);
    (
        planes,
        luminance,
        content.region.aspect_ratio(),
        content.bands != [0, 0],
    )
}

impl Signature {
    /// The signature of an image with the default [`DEFAULT_COEFFICIENTS`] per channel.
    pub fn compute(pixels: &Pixels<'_>) -> Signature {
        Self::compute_with(pixels, DEFAULT_COEFFICIENTS).expect("the default m is valid")
    }

    /// The signature of an image keeping `m` coefficients per channel (1–60).
    pub fn compute_with(pixels: &Pixels<'_>, m: u8) -> Result<Signature, Error> {
        check_m(m)?;
        let (planes, luminance, aspect, banded) = coefficients(pixels);
        Ok(Self::from_coefficients(&planes, &luminance, m, aspect)?.with_band(banded))
    }

    /// The signature of an image and its cropped probe ([`Signature::probe_from_coefficients`]),
    /// with the default [`DEFAULT_COEFFICIENTS`] per channel.
    pub fn compute_probed(pixels: &Pixels<'_>) -> (Signature, Signature) {
        Self::compute_probed_with(pixels, DEFAULT_COEFFICIENTS).expect("the default m is valid")
    }

    /// [`Signature::compute_probed`] keeping `m` coefficients per channel (1–60).
    pub fn compute_probed_with(
        pixels: &Pixels<'_>,
        m: u8,
    ) -> Result<(Signature, Signature), Error> {
        check_m(m)?;
        let (planes, luminance, aspect, banded) = coefficients(pixels);
        Ok((
            Self::from_coefficients(&planes, &luminance, m, aspect)?.with_band(banded),
            Self::probe_from_coefficients(&planes, &luminance, m, aspect)?.with_band(banded),
        ))
    }

    /// The signature of three decomposed YIQ planes whose Y was [`equalize`]d first (the output
    /// of [`decompose_planes`], or of the GPU), and of the decomposed Y plane before it was
    /// equalized, `luminance` (128 × 128 values), which gives the stored average and strength
    /// of Y and the luminance that the chroma rules compare with.
    pub fn from_coefficients(
        coefficients: &Planes,
        luminance: &[f32],
        m: u8,
        aspect: f32,
    ) -> Result<Signature, Error> {
        Self::from_coefficients_with(coefficients, luminance, m, aspect, None)
    }

    /// [`Signature::from_coefficients`]; with `like`, a chroma channel is left out exactly when
    /// `like`'s is (strength 0) and the toned test is not run: a window of a picture (a side
    /// probe) has the picture's colour, and the test takes a third of a signature's time.
    pub(crate) fn from_coefficients_with(
        coefficients: &Planes,
        luminance: &[f32],
        m: u8,
        aspect: f32,
        like: Option<&Signature>,
    ) -> Result<Signature, Error> {
        check_m(m)?;
        if luminance.len() != AREA {
            return Err(Error::InvalidSignature("luminance plane size"));
        }
        if !aspect.is_finite() || aspect <= 0.0 {
            return Err(Error::InvalidSignature("aspect ratio"));
        }
        let mut sig = Signature {
            m,
            banded: like.is_some_and(|l| l.banded),
            aspect,
            average: [0.0; 3],
            strength: [0.0; 3],
            codes: [[0; MAX_COEFFICIENTS]; 3],
        };
        // The plain top-`m` of each channel: its strength, and whether it follows the luminance.
        let mut plain = [[0u16; MAX_COEFFICIENTS]; 3];
        for (c, plain) in plain.iter_mut().enumerate() {
            let plane = coefficients.channel(c);
            // Y's average and strength, and its positions for the chroma rules, are the
            // luminance's before equalization.
            let as_is = if c == 0 { luminance } else { plane };
            if !as_is[0].is_finite() {
                return Err(Error::InvalidSignature("average colour"));
            }
            sig.average[c] = as_is[0];
            sig.strength[c] = select_top(as_is, usize::from(m), plain);
            select_spread(plane, usize::from(m), &mut sig.codes[c]);
        }
        // A chroma channel that repeats the luminance is stored as strength 0, so that the
        // decision travels with the signature (a query built from a signature's codes, as the
        // video search's, keeps it).
        let m = usize::from(m);
        for c in 1..3 {
            if follows_luminance(&plain[0][..m], &plain[c][..m]) {
                sig.strength[c] = 0.0;
            }
        }
        if let Some(like) = like {
            for c in 1..3 {
                if like.strength[c] == 0.0 {
                    sig.strength[c] = 0.0;
                }
            }
            return Ok(sig);
        }
        // So is one that is a function of the luminance (a sepia picture's, `tone`); that takes
        // a little work, done only for a channel that would count.
        let asked = [sig.is_informative(1), sig.is_informative(2)];
        for (c, toned) in (1..3).zip(crate::tone::toned(luminance, coefficients, asked)) {
            if toned {
                sig.strength[c] = 0.0;
            }
        }
        Ok(sig)
    }

    /// Coefficients kept per channel.
    pub fn m(&self) -> u8 {
        self.m
    }

    /// Whether the picture had a caption band, which the resample read as the picture's
    /// nearest row ([`crate::Content`]): compared with a picture that had none, it is capped
    /// at [`crate::BANDED_CAP`].
    pub fn banded(&self) -> bool {
        self.banded
    }

    /// The signature marked as one of a picture with a caption band, or not (for signatures
    /// made from coefficients, as the GPU's, whose caller found the band).
    pub fn with_band(mut self, banded: bool) -> Signature {
        self.banded = banded;
        self
    }

    /// Width / height of the original image.
    pub fn aspect_ratio(&self) -> f32 {
        self.aspect
    }

    /// The average colour (Y, I, Q): the DC term of each channel's decomposition.
    pub fn average(&self) -> [f32; 3] {
        self.average
    }

    /// Per channel, the magnitude of the `m`-th largest coefficient (Y: of the luminance before
    /// equalization); 0 for a chroma channel that
    /// follows the luminance (its largest coefficients mostly where Y's are: a tint, duotones) or
    /// is a function of it (a sepia filter that clips, see `tone.rs`).
    pub fn strength(&self) -> [f32; 3] {
        self.strength
    }

    /// The coefficient codes of one channel (0 = Y, 1 = I, 2 = Q), sorted ascending.
    pub fn codes(&self, channel: usize) -> &[u16] {
        &self.codes[channel][..usize::from(self.m)]
    }

    /// The coefficient codes of one channel, mutable (to turn a signature; the caller sorts).
    pub(crate) fn codes_mut(&mut self, channel: usize) -> &mut [u16] {
        &mut self.codes[channel][..usize::from(self.m)]
    }

    pub(crate) fn set_aspect_ratio(&mut self, aspect: f32) {
        self.aspect = aspect;
    }

    /// Whether the coefficient positions of `channel` carry structure: Y when its strength
    /// reaches [`STRUCTURE_FLOOR`], I and Q when theirs reaches [`CHROMA_NOISE_FLOOR`].
    pub fn is_informative(&self, channel: usize) -> bool {
        if channel == 0 {
            return self.strength[0] >= STRUCTURE_FLOOR;
        }
        self.strength[channel] >= CHROMA_NOISE_FLOOR
    }

    /// Whether the luminance is faint: from [`FAINT_FLOOR`] up to [`STRUCTURE_FLOOR`].
    pub fn is_faint(&self) -> bool {
        (FAINT_FLOOR..STRUCTURE_FLOOR).contains(&self.strength[0])
    }

    /// Whether `channel` may count in some comparison: informative, or a faint luminance.
    /// What an index posts.
    pub fn is_comparable(&self, channel: usize) -> bool {
        self.is_informative(channel) || (channel == 0 && self.is_faint())
    }

    /// Whether no channel may count in any comparison: a luminance below [`FAINT_FLOOR`] and no
    /// colour structure (one colour, or nearly: blank, black, a fade). Such a picture matches
    /// nothing, not even a copy of itself.
    pub fn is_blank(&self) -> bool {
        (0..3).all(|c| !self.is_comparable(c))
    }

    /// Whether `channel` of this picture counts when it is compared with `other`: informative,
    /// or a faint luminance against one with structure ([`FAINT_FLOOR`]).
    pub fn informative_with(&self, other: &Signature, channel: usize) -> bool {
        self.is_informative(channel) || (channel == 0 && self.is_faint() && other.is_informative(0))
    }

    /// The length of [`Signature::to_bytes`].
    pub fn encoded_len(&self) -> usize {
        HEADER_LEN + 6 * usize::from(self.m)
    }

    /// The versioned byte encoding described in the module docs.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        out.extend_from_slice(&MAGIC);
        out.push(FORMAT_VERSION);
        out.push(self.m | if self.banded { BANDED } else { 0 });
        out.extend_from_slice(&self.aspect.to_le_bytes());
        for v in self.average.iter().chain(self.strength.iter()) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for c in 0..3 {
            for code in self.codes(c) {
                out.extend_from_slice(&code.to_le_bytes());
            }
        }
        out
    }

    /// Decodes [`Signature::to_bytes`]. Every field is checked; untrusted bytes give an error,
    /// never a panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<Signature, Error> {
        if bytes.len() < 4 || bytes[..4] != MAGIC {
            return Err(Error::BadMagic);
        }
        let version = *bytes.get(4).ok_or(Error::SignatureLength {
            expected: HEADER_LEN,
            got: bytes.len(),
        })?;
        if version != FORMAT_VERSION {
            return Err(Error::UnsupportedSignatureVersion(version));
        }
        let m_byte = *bytes.get(5).ok_or(Error::SignatureLength {
            expected: HEADER_LEN,
            got: bytes.len(),
        })?;
        let (m, banded) = (m_byte & !BANDED, m_byte & BANDED != 0);
        check_m(m)?;
        let expected = HEADER_LEN + 6 * usize::from(m);
        if bytes.len() != expected {
            return Err(Error::SignatureLength {
                expected,
                got: bytes.len(),
            });
        }
        let f = |at: usize| {
            f32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let aspect = f(6);
        if !aspect.is_finite() || aspect <= 0.0 {
            return Err(Error::InvalidSignature("aspect ratio"));
        }
        let average = [f(10), f(14), f(18)];
        let strength = [f(22), f(26), f(30)];
        if average.iter().any(|v| !v.is_finite()) {
            return Err(Error::InvalidSignature("average colour"));
        }
        if strength.iter().any(|v| !v.is_finite() || *v < 0.0) {
            return Err(Error::InvalidSignature("strength"));
        }
        let mut codes = [[0u16; MAX_COEFFICIENTS]; 3];
        let mut at = HEADER_LEN;
        for channel in codes.iter_mut() {
            let mut previous = None;
            for slot in channel.iter_mut().take(usize::from(m)) {
                let code = u16::from_le_bytes([bytes[at], bytes[at + 1]]);
                at += 2;
                let position = usize::from(code & !NEGATIVE);
                if code & 0x8000 != 0 || position == 0 || position >= AREA {
                    return Err(Error::InvalidSignature("coefficient position"));
                }
                if previous.is_some_and(|p| p >= code) {
                    return Err(Error::InvalidSignature("coefficient order"));
                }
                previous = Some(code);
                *slot = code;
            }
        }
        Ok(Signature {
            m,
            banded,
            aspect,
            average,
            strength,
            codes,
        })
    }
}

impl Signature {
    /// A signature from its parts, the inverse of the accessors [`aspect_ratio`], [`average`],
    /// [`strength`] and [`codes`]: how another crate makes a signature that was not computed
    /// from pixels (a seed query with codes left out, synthetic benchmark data) without writing
    /// the byte format. `m` is the length of each channel's codes (all three the same, 1–60);
    /// codes may come in any order and are kept sorted. Every part is checked as
    /// [`Signature::from_bytes`] checks it.
    ///
    /// [`aspect_ratio`]: Signature::aspect_ratio
    /// [`average`]: Signature::average
    /// [`strength`]: Signature::strength
    /// [`codes`]: Signature::codes
    pub fn from_parts(
        aspect: f32,
        average: [f32; 3],
        strength: [f32; 3],
        codes: [&[u16]; 3],
    ) -> Result<Signature, Error> {
        let m = u8::try_from(codes[0].len()).map_err(|_| Error::CoefficientCount(u8::MAX))?;
        check_m(m)?;
        if !aspect.is_finite() || aspect <= 0.0 {
            return Err(Error::InvalidSignature("aspect ratio"));
        }
        if !average.iter().all(|v| v.is_finite()) {
            return Err(Error::InvalidSignature("average colour"));
        }
        if !strength.iter().all(|v| v.is_finite() && *v >= 0.0) {
            return Err(Error::InvalidSignature("strength"));
        }
        let mut sig = Signature {
            m,
            banded: false,
            aspect,
            average,
            strength,
            codes: [[0; MAX_COEFFICIENTS]; 3],
        };
        for (kept, given) in sig.codes.iter_mut().zip(codes) {
            if given.len() != usize::from(m) {
                return Err(Error::InvalidSignature("coefficient count per channel"));
            }
            let sorted = &mut kept[..usize::from(m)];
            sorted.copy_from_slice(given);
            sorted.sort_unstable();
            let valid = |&code: &u16| {
                let position = usize::from(code & !NEGATIVE);
                code & 0x8000 == 0 && position != 0 && position < AREA
            };
            if !sorted.iter().all(valid) {
                return Err(Error::InvalidSignature("coefficient position"));
            }
            if sorted.windows(2).any(|pair| pair[0] == pair[1]) {
                return Err(Error::InvalidSignature("coefficient order"));
            }
        }
        Ok(sig)
    }
}

impl core::fmt::Debug for Signature {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Signature")
            .field("m", &self.m)
            .field("banded", &self.banded)
            .field("aspect", &self.aspect)
            .field("average", &self.average)
            .field("strength", &self.strength)
            .field("y", &self.codes(0))
            .field("i", &self.codes(1))
            .field("q", &self.codes(2))
            .finish()
    }
}

/// Whether a chroma channel's largest coefficients sit mostly (three quarters of them) where the
/// luminance's do, given both channels' plain top-`m` codes ([`select_top`], sorted): the colour
/// of a tinted black-and-white picture (sepia, a duotone) is its luminance scaled, so it says
/// nothing that Y does not, and like the chroma of a gray copy it is left out of the comparison
/// (issue 17: sepia copies were found 54 % of the time). A signature records such a channel with
/// strength 0. Decided on the plain selection, not the spread one: spread over the same cells,
/// the chroma of any colour photo would keep many of the luminance's positions.
fn follows_luminance(y: &[u16], chroma: &[u16]) -> bool {
    let position = |c: &u16| c & !NEGATIVE;
    let mut ys = [0u16; MAX_COEFFICIENTS];
    for (slot, code) in ys.iter_mut().zip(y) {
        *slot = position(code);
    }
    let ys = &mut ys[..y.len()];
    ys.sort_unstable();
    let shared = chroma
        .iter()
        .filter(|c| ys.binary_search(&position(c)).is_ok())
        .count();
    4 * shared >= 3 * y.len()
}

pub(crate) fn check_m(m: u8) -> Result<(), Error> {
    if m == 0 || usize::from(m) > MAX_COEFFICIENTS {
        return Err(Error::CoefficientCount(m));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
