//! Baseline JPEGs at 1/8 scale, decoded the way libjpeg-turbo decodes them (the command line's
//! decoder): the luma is each block's DC coefficient (libjpeg's `jpeg_idct_1x1`), subsampled
//! chroma is brought up to the same size by libjpeg's 2 × 2 reduced IDCT (`jpeg_idct_2x2`, the
//! component scaling rule of its `jpeg_calc_output_dimensions`), and the colour conversion uses
//! libjpeg's fixed-point tables, so the pixels, and hence the signatures, are the command line's.
//!
//! The speed comes from the entropy decoding: every coefficient must still be walked, but those
//! a 1/8 decode does not use are skipped without being stored (a code and its extra bits are
//! consumed in one table look-up), no block is cleared, dequantised or transformed beyond what is
//! shown, and the bit reader reads a copy of the scan with the stuffed bytes taken out.
//!
//! Anything else — progressive or arithmetic-coded files, 12-bit samples, CMYK, RGB-coded files,
//! scans that hold only some components, unusual sampling, damaged data — is `None`, and the
//! caller decodes the file with the general decoder instead.

use crate::huffman::{Bits, Huffman, NATURAL, read_ac, skip_ac, symbol, unstuff};

/// A JPEG decoded at 1/8 scale: opaque RGBA, not yet turned by its EXIF orientation.
pub struct Eighth {
    /// The declared width (as stored, before orientation).
    pub width: usize,
    /// The declared height.
    pub height: usize,
    /// `width / 8`, rounded up.
    pub scaled_width: usize,
    /// `height / 8`, rounded up.
    pub scaled_height: usize,
    /// `scaled_width × scaled_height` RGBA pixels, rows top to bottom.
    pub rgba: Vec<u8>,
}

/// libjpeg's post-IDCT range limit: the value's low 10 bits as a signed number, plus 128,
/// clamped to 0–255.
#[inline(always)]
fn idct_limit(x: i64) -> u8 {
    let wrapped = ((x & 1023) ^ 512) - 512;
    (wrapped + 128).clamp(0, 255) as u8
}

/// `DESCALE` of libjpeg: a right shift by `n` with rounding.
#[inline(always)]
fn descale(x: i64, n: u32) -> i64 {
    (x + (1 << (n - 1))) >> n
}

/// libjpeg-turbo's `jpeg_idct_2x2` (jidctred.c): the 2 × 2 samples of a block from its
/// coefficients in rows and columns 0, 1, 3, 5 and 7.
fn idct_2x2(block: &[i32; 64], quant: &[u16; 64]) -> [[u8; 2]; 2] {
    const C1: i64 = 29692; // FIX(3.624509785)
    const C3: i64 = -10426; // -FIX(1.272758580)
    const C5: i64 = 6967; // FIX(0.850430095)
    const C7: i64 = -5906; // -FIX(0.720959822)
    let dq = |at: usize| i64::from(block[at]) * i64::from(quant[at]);
    let mut work = [[0i64; 8]; 2];
    for col in [0, 1, 3, 5, 7] {
        if block[8 + col] == 0
            && block[24 + col] == 0
            && block[40 + col] == 0
            && block[56 + col] == 0
        {
            let dc = dq(col) << 2;
            work[0][col] = dc;
            work[1][col] = dc;
            continue;
        }
        let even = dq(col) << 15;
        let odd = dq(56 + col) * C7 + dq(40 + col) * C5 + dq(24 + col) * C3 + dq(8 + col) * C1;
        // libjpeg keeps the work array in `int`.
        work[0][col] = i64::from(descale(even + odd, 13) as i32);
        work[1][col] = i64::from(descale(even - odd, 13) as i32);
    }
    work.map(|row| {
        if row[1] == 0 && row[3] == 0 && row[5] == 0 && row[7] == 0 {
            let v = idct_limit(descale(row[0], 5));
            return [v, v];
        }
        let even = row[0] << 15;
        let odd = row[7] * C7 + row[5] * C5 + row[3] * C3 + row[1] * C1;
        [
            idct_limit(descale(even + odd, 20)),
            idct_limit(descale(even - odd, 20)),
        ]
    })
}

/// A frame component and where its samples go.
struct Component {
    id: u8,
    h: usize,
    v: usize,
    quant: usize,
    dc_table: usize,
    ac_table: usize,
    /// Samples per block side at this scale: 1 (the DC) or 2 (`idct_2x2`).
    size: usize,
    /// Blocks per row and rows of blocks in the scan (padded to whole MCUs when interleaved).
    blocks_wide: usize,
    blocks_high: usize,
    /// The component's samples, `blocks_wide × size` per row.
    plane: Vec<u8>,
}

/// What the markers before the scan said.
#[derive(Default)]
struct Header {
    width: usize,
    height: usize,
    components: Vec<Component>,
    quant: [Option<Box<[u16; 64]>>; 4],
    dc: [Option<Huffman>; 4],
    ac: [Option<Huffman>; 4],
    restart_interval: usize,
    jfif: bool,
    adobe_transform: Option<u8>,
}

/// A JPEG whose entropy-coded data ends before its last block: libjpeg pads it with gray (and
/// the `jpeg-decoder` crate too), the command line refuses it, and so does the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CutShort;

/// Decodes `bytes` at 1/8 scale if it is a JPEG this decoder reads and 1/8 is the scale the
/// command line would choose for it (`lookalike_core::jpeg_scale_denominator`); `None` otherwise,
/// and `Some(Err(CutShort))` for one whose image data ends early.
/// `max_pixels` bounds the declared size (decompression bombs).
pub fn decode(bytes: &[u8], max_pixels: u64) -> Option<Result<Eighth, CutShort>> {
    if bytes.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut header = Header::default();
    let mut at = 2;
    loop {
        // A marker, after any fill bytes.
        while *bytes.get(at)? == 0xFF && *bytes.get(at + 1)? == 0xFF {
            at += 1;
        }
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(at + 1)?;
        let len = usize::from(u16::from_be_bytes([
            *bytes.get(at + 2)?,
            *bytes.get(at + 3)?,
        ]));
        let segment = bytes.get(at + 4..(at + 2 + len).max(at + 4))?;
        at += 2 + len;
        match marker {
            0xC0 | 0xC1 => frame(&mut header, segment, max_pixels)?,
            // Progressive, lossless, hierarchical, arithmetic: not here.
            0xC2 | 0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => return None,
            0xC4 => huffman_tables(&mut header, segment)?,
            0xDB => quant_tables(&mut header, segment)?,
            0xDD => {
                header.restart_interval =
                    usize::from(u16::from_be_bytes(segment.get(..2)?.try_into().ok()?))
            }
            0xE0 => header.jfif |= segment.starts_with(b"JFIF\0"),
            0xEE if segment.starts_with(b"Adobe") => {
                header.adobe_transform = Some(*segment.get(11)?);
            }
            0xDA => return scan(header, segment, bytes.get(at..)?),
            0xD9 => return None,
            _ => {}
        }
    }
}

/// SOF0/SOF1: size and components; `None` for what this decoder leaves to the general one.
fn frame(header: &mut Header, s: &[u8], max_pixels: u64) -> Option<()> {
    if *s.first()? != 8 || !header.components.is_empty() {
        return None;
    }
    header.height = usize::from(u16::from_be_bytes([*s.get(1)?, *s.get(2)?]));
    header.width = usize::from(u16::from_be_bytes([*s.get(3)?, *s.get(4)?]));
    let count = usize::from(*s.get(5)?);
    if !(count == 1 || count == 3) || header.width == 0 || header.height == 0 {
        return None;
    }
    if (header.width as u64) * (header.height as u64) > max_pixels
        || lookalike_core::jpeg_scale_denominator(header.width, header.height) != 8
    {
        return None;
    }
    for i in 0..count {
        let c = s.get(6 + 3 * i..9 + 3 * i)?;
        let (h, v) = (usize::from(c[1] >> 4), usize::from(c[1] & 15));
        if !(1..=4).contains(&h) || !(1..=4).contains(&v) || c[2] > 3 {
            return None;
        }
        header.components.push(Component {
            id: c[0],
            h,
            v,
            quant: usize::from(c[2]),
            dc_table: 0,
            ac_table: 0,
            size: 1,
            blocks_wide: 0,
            blocks_high: 0,
            plane: Vec::new(),
        });
    }
    if count == 1 {
        // A single component is never subsampled relative to itself.
        (header.components[0].h, header.components[0].v) = (1, 1);
    }
    Some(())
}

fn huffman_tables(header: &mut Header, mut s: &[u8]) -> Option<()> {
    while !s.is_empty() {
        let (class, id) = (s[0] >> 4, usize::from(s[0] & 15));
        let counts = s.get(1..17)?;
        let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
        let values = s.get(17..17 + total)?;
        let table = Some(Huffman::new(counts, values)?);
        match class {
            0 => *header.dc.get_mut(id)? = table,
            1 => *header.ac.get_mut(id)? = table,
            _ => return None,
        }
        s = &s[17 + total..];
    }
    Some(())
}

fn quant_tables(header: &mut Header, mut s: &[u8]) -> Option<()> {
    while !s.is_empty() {
        let (precision, id) = (s[0] >> 4, usize::from(s[0] & 15));
        let mut table = Box::new([0u16; 64]);
        let size = if precision == 0 { 1 } else { 2 };
        let body = s.get(1..1 + 64 * size)?;
        for k in 0..64 {
            table[usize::from(NATURAL[k])] = if size == 1 {
                u16::from(body[k])
            } else {
                u16::from_be_bytes([body[2 * k], body[2 * k + 1]])
            };
        }
        *header.quant.get_mut(id)? = Some(table);
        s = &s[1 + 64 * size..];
    }
    Some(())
}

/// SOS and the entropy-coded data after it, then the colour conversion.
fn scan(mut header: Header, sos: &[u8], data: &[u8]) -> Option<Result<Eighth, CutShort>> {
    let count = header.components.len();
    if count == 0 || usize::from(*sos.first()?) != count || sos.get(1 + 2 * count..)? != [0, 63, 0]
    {
        return None; // a scan of only some components, or not a baseline scan
    }
    if count == 3 {
        let ids: Vec<u8> = header.components.iter().map(|c| c.id).collect();
        let rgb = match header.adobe_transform {
            Some(transform) => !header.jfif && transform == 0,
            None => !header.jfif && ids == b"RGB",
        };
        if rgb {
            return None;
        }
    }
    for i in 0..count {
        let (id, tables) = (sos[1 + 2 * i], sos[2 + 2 * i]);
        let component = header.components.get_mut(i)?;
        if component.id != id {
            return None;
        }
        (component.dc_table, component.ac_table) =
            (usize::from(tables >> 4), usize::from(tables & 15));
        if component.dc_table > 3 || component.ac_table > 3 {
            return None;
        }
    }
    let max_h = header.components.iter().map(|c| c.h).max()?;
    let max_v = header.components.iter().map(|c| c.v).max()?;
    let mcus_wide = header.width.div_ceil(8 * max_h);
    let mcus_high = header.height.div_ceil(8 * max_v);
    for c in &mut header.components {
        // libjpeg's choice: scale subsampled components up in the IDCT rather than upsampling.
        while c.size < 8 && max_h % (c.h * c.size * 2) == 0 && max_v % (c.v * c.size * 2) == 0 {
            c.size *= 2;
        }
        if c.size > 2 || max_h % (c.h * c.size) != 0 || max_v % (c.v * c.size) != 0 {
            return None;
        }
        (c.blocks_wide, c.blocks_high) = if count == 1 {
            (header.width.div_ceil(8), header.height.div_ceil(8))
        } else {
            (mcus_wide * c.h, mcus_high * c.v)
        };
        c.plane = vec![0; c.blocks_wide * c.blocks_high * c.size * c.size];
    }
    let (clean, restarts, end) = unstuff(data);
    let mut bits = Bits {
        data: &clean,
        at: 0,
        acc: 0,
        count: 0,
    };
    let (units_wide, units_high) = if count == 1 {
        (
            header.components[0].blocks_wide,
            header.components[0].blocks_high,
        )
    } else {
        (mcus_wide, mcus_high)
    };
    let mut predictions = [0i32; 3];
    let mut block = [0i32; 64];
    let mut restart = 0;
    for unit in 0..units_wide * units_high {
        if header.restart_interval > 0 && unit > 0 && unit % header.restart_interval == 0 {
            let next = *restarts.get(restart)?;
            if bits.used() > next {
                return None;
            }
            bits.restart(next);
            restart += 1;
            predictions = [0; 3];
        }
        let (ux, uy) = (unit % units_wide, unit / units_wide);
        for (ci, c) in header.components.iter_mut().enumerate() {
            let dc_table = header.dc[c.dc_table].as_ref()?;
            let ac_table = header.ac[c.ac_table].as_ref()?;
            let quant = header.quant[c.quant].as_deref()?;
            for by in 0..c.v {
                for bx in 0..c.h {
                    let (rs, diff) = symbol(&mut bits, dc_table)?;
                    if rs > 15 {
                        return None;
                    }
                    predictions[ci] = predictions[ci].wrapping_add(diff);
                    let dc = i32::from(predictions[ci] as i16);
                    let (x, y) = (ux * c.h + bx, uy * c.v + by);
                    let row = c.blocks_wide * c.size;
                    if c.size == 1 {
                        skip_ac(&mut bits, ac_table)?;
                        c.plane[y * row + x] =
                            idct_limit(descale(i64::from(dc) * i64::from(quant[0]), 3));
                    } else {
                        block.fill(0);
                        block[0] = dc;
                        read_ac(&mut bits, ac_table, &mut block)?;
                        let samples = idct_2x2(&block, quant);
                        for (dy, pair) in samples.iter().enumerate() {
                            let at = (2 * y + dy) * row + 2 * x;
                            c.plane[at..at + 2].copy_from_slice(pair);
                        }
                    }
                }
            }
        }
    }
    if bits.used() > end {
        // The data ended early: a cut file, or one cut and closed with an end marker again.
        return Some(Err(CutShort));
    }
    Some(Ok(to_rgba(&header, max_h, max_v)))
}

/// libjpeg's YCbCr → RGB (jdcolor.c, 16-bit fixed point) with its sample upsampling by
/// replication, into opaque RGBA.
fn to_rgba(header: &Header, max_h: usize, max_v: usize) -> Eighth {
    // FIX(x) = x × 2^16, rounded, as jdcolor.c computes its tables.
    const CR_R: i32 = 91881; // FIX(1.40200)
    const CB_B: i32 = 116130; // FIX(1.77200)
    const CR_G: i32 = 46802; // FIX(0.71414)
    const CB_G: i32 = 22554; // FIX(0.34414)
    const HALF: i32 = 1 << 15;
    let (w, h) = (header.width.div_ceil(8), header.height.div_ceil(8));
    let mut rgba = vec![255u8; w * h * 4];
    // Each component's sample for output column x is `columns[x]` in its row for output row y.
    let columns: Vec<Vec<usize>> = header
        .components
        .iter()
        .map(|c| (0..w).map(|x| x / (max_h / (c.h * c.size))).collect())
        .collect();
    fn row(c: &Component, y: usize, max_v: usize) -> &[u8] {
        let stride = c.blocks_wide * c.size;
        let at = (y / (max_v / (c.v * c.size))) * stride;
        &c.plane[at..at + stride]
    }
    for (y, out) in rgba.chunks_exact_mut(4 * w).enumerate() {
        let luma = row(&header.components[0], y, max_v);
        if let [_, cb_comp, cr_comp] = &header.components[..] {
            let (cb_row, cr_row) = (row(cb_comp, y, max_v), row(cr_comp, y, max_v));
            for (x, pixel) in out.chunks_exact_mut(4).enumerate() {
                let l = i32::from(luma[columns[0][x]]);
                let cb = i32::from(cb_row[columns[1][x]]) - 128;
                let cr = i32::from(cr_row[columns[2][x]]) - 128;
                pixel[0] = (l + ((CR_R * cr + HALF) >> 16)).clamp(0, 255) as u8;
                pixel[1] = (l + ((-CB_G * cb + HALF - CR_G * cr) >> 16)).clamp(0, 255) as u8;
                pixel[2] = (l + ((CB_B * cb + HALF) >> 16)).clamp(0, 255) as u8;
            }
        } else {
            for (x, pixel) in out.chunks_exact_mut(4).enumerate() {
                pixel[..3].fill(luma[columns[0][x]]);
            }
        }
    }
    Eighth {
        width: header.width,
        height: header.height,
        scaled_width: w,
        scaled_height: h,
        rgba,
    }
}
