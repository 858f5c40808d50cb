//! Huffman decoding of baseline JPEG scans for the 1/8 decoder (`eighth.rs`): canonical code
//! tables resolved by a 10-bit look-up, a second look-up that skips several AC coefficients at
//! once (a 1/8 decode keeps only the DC of most blocks), and an MSB-first bit reader over a copy
//! of the scan with the stuffed bytes taken out (JPEG Annex F.2.2).

/// Bits resolved by one Huffman table look-up.
pub(crate) const LOOKUP_BITS: u32 = 10;
/// Bits resolved by one look-up of the table that skips several AC coefficients at once.
pub(crate) const SKIP_BITS: u32 = 12;
/// A skip-table entry ends with the end-of-block code.
pub(crate) const SKIP_EOB: u32 = 1 << 16;
/// The most bits one coefficient takes (a 16-bit code and up to 15 extra bits).
pub(crate) const MAX_SYMBOL_BITS: u32 = 31;

/// Zigzag position → natural (row-major) position, with libjpeg's 16 guard entries for runs
/// that pass the end of a damaged block.
pub(crate) const NATURAL: [u8; 80] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63,
    63, 63, 63, 63, 63, 63,
];

/// One Huffman table: a look-up of the first [`LOOKUP_BITS`] bits, and the canonical code
/// limits for longer codes (JPEG Annex F.2.2.3).
pub(crate) struct Huffman {
    /// `(length << 8) | symbol` for codes of at most `LOOKUP_BITS` bits, 0 for longer ones.
    lookup: Vec<u16>,
    /// The largest code of each length (index 1–16), -1 when there is none.
    max_code: [i32; 17],
    /// `values` index of the first code of each length minus that code.
    offset: [i32; 17],
    values: Vec<u8>,
    /// For AC tables: the first [`SKIP_BITS`] bits → every whole coefficient in them, as
    /// `bits consumed | positions advanced << 8 | SKIP_EOB`; 0 when not even one fits.
    skip: Vec<u32>,
}

impl Huffman {
    /// Builds a table from a DHT segment's 16 counts and its symbols; `None` if they overflow.
    pub(crate) fn new(counts: &[u8], values: &[u8]) -> Option<Huffman> {
        let mut lookup = vec![0u16; 1 << LOOKUP_BITS];
        let (mut max_code, mut offset) = ([-1i32; 17], [0i32; 17]);
        let (mut code, mut k) = (0u32, 0usize);
        for len in 1..=16u32 {
            let count = usize::from(counts[len as usize - 1]);
            offset[len as usize] = k as i32 - code as i32;
            for _ in 0..count {
                if code >= 1 << len {
                    return None;
                }
                if len <= LOOKUP_BITS {
                    let first = (code << (LOOKUP_BITS - len)) as usize;
                    let entry = (len << 8) as u16 | u16::from(*values.get(k)?);
                    lookup[first..first + (1 << (LOOKUP_BITS - len))].fill(entry);
                }
                code += 1;
                k += 1;
            }
            if count > 0 {
                max_code[len as usize] = code as i32 - 1;
            }
            code <<= 1;
        }
        let mut table = Huffman {
            lookup,
            max_code,
            offset,
            values: values.get(..k)?.to_vec(),
            skip: Vec::new(),
        };
        table.skip = (0..1u32 << SKIP_BITS)
            .map(|bits| table.skip_entry(bits))
            .collect();
        Some(table)
    }

    /// The skip-table entry for the [`SKIP_BITS`] bits `bits`.
    fn skip_entry(&self, bits: u32) -> u32 {
        let (mut used, mut advanced) = (0, 0);
        while used < SKIP_BITS {
            let Some((len, rs)) = (1..=SKIP_BITS - used).find_map(|len| {
                let code = ((bits >> (SKIP_BITS - used - len)) & ((1 << len) - 1)) as i32;
                (code <= self.max_code[len as usize]).then(|| {
                    let at = usize::try_from(self.offset[len as usize] + code).ok()?;
                    Some((len, *self.values.get(at)?))
                })?
            }) else {
                break;
            };
            let size = u32::from(rs & 15);
            if used + len + size > SKIP_BITS {
                break;
            }
            used += len + size;
            if size == 0 && rs != 0xF0 {
                return used | advanced << 8 | SKIP_EOB;
            }
            advanced += if size == 0 {
                16
            } else {
                u32::from(rs >> 4) + 1
            };
        }
        used | advanced << 8
    }

    /// The next symbol and its code length (not consumed); `None` for a code the table lacks.
    /// Needs at least 16 bits in `bits`.
    #[inline(always)]
    fn peek(&self, bits: &Bits) -> Option<(u32, u8)> {
        let entry = self.lookup[bits.peek(LOOKUP_BITS) as usize];
        if entry != 0 {
            return Some((u32::from(entry >> 8), entry as u8));
        }
        for len in LOOKUP_BITS + 1..=16 {
            let code = bits.peek(len) as i32;
            if code <= self.max_code[len as usize] {
                let at = usize::try_from(self.offset[len as usize] + code).ok()?;
                return Some((len, *self.values.get(at)?));
            }
        }
        None
    }
}

/// An MSB-first bit reader over entropy-coded data with the stuffed zero bytes removed.
pub(crate) struct Bits<'a> {
    pub(crate) data: &'a [u8],
    /// The next byte of `data` to load.
    pub(crate) at: usize,
    /// Bits not yet consumed, from the top.
    pub(crate) acc: u64,
    /// How many of `acc`'s top bits are valid.
    pub(crate) count: u32,
}

impl Bits<'_> {
    /// Makes at least [`MAX_SYMBOL_BITS`] bits available (zeros past the end, as libjpeg).
    #[inline(always)]
    fn fill(&mut self) {
        if self.count < MAX_SYMBOL_BITS {
            let word = match self.data.get(self.at..self.at + 4) {
                Some(&[a, b, c, d]) => u32::from_be_bytes([a, b, c, d]),
                _ => self.tail_word(),
            };
            self.acc |= u64::from(word) << (32 - self.count);
            self.at += 4;
            self.count += 32;
        }
    }

    /// The last bytes of the data, zero-padded to a word.
    #[cold]
    fn tail_word(&self) -> u32 {
        let mut word = [0u8; 4];
        for (i, byte) in word.iter_mut().enumerate() {
            *byte = self.data.get(self.at + i).copied().unwrap_or(0);
        }
        u32::from_be_bytes(word)
    }

    /// The next `n` bits (1–32), not consumed.
    #[inline(always)]
    fn peek(&self, n: u32) -> u32 {
        (self.acc >> (64 - n)) as u32
    }

    #[inline(always)]
    fn consume(&mut self, n: u32) {
        self.acc <<= n;
        self.count -= n;
    }

    /// Bytes of `data` consumed so far (a partly read byte counts).
    pub(crate) fn used(&self) -> usize {
        (self.at * 8 - self.count as usize).div_ceil(8)
    }

    /// Starts reading at byte `at` (after a restart marker).
    pub(crate) fn restart(&mut self, at: usize) {
        (self.at, self.acc, self.count) = (at, 0, 0);
    }
}

/// The signed value of `s` extra bits `v` (JPEG's EXTEND).
#[inline(always)]
pub(crate) fn extend(v: u32, s: u32) -> i32 {
    if v < 1 << (s - 1) {
        v as i32 - (1 << s) + 1
    } else {
        v as i32
    }
}

/// Decodes one symbol and its extra bits; `(run/size byte, value)`, value 0 when size is 0.
#[inline(always)]
pub(crate) fn symbol(bits: &mut Bits, table: &Huffman) -> Option<(u8, i32)> {
    bits.fill();
    let (len, rs) = table.peek(bits)?;
    let s = u32::from(rs & 15);
    let value = if s == 0 {
        0
    } else {
        extend(((bits.acc << len) >> (64 - s)) as u32, s)
    };
    bits.consume(len + s);
    Some((rs, value))
}

/// Walks a block's AC coefficients without keeping them, several per table look-up.
#[inline(always)]
pub(crate) fn skip_ac(bits: &mut Bits, table: &Huffman) -> Option<()> {
    let mut k = 1;
    while k < 64 {
        bits.fill();
        let entry = table.skip[bits.peek(SKIP_BITS) as usize];
        let advanced = (entry >> 8) as u8 as usize;
        if entry != 0 && k + advanced < 64 {
            // Every coefficient in the entry starts inside the block.
            bits.consume(entry & 0xFF);
            if entry & SKIP_EOB != 0 {
                break;
            }
            k += advanced;
            continue;
        }
        let (len, rs) = table.peek(bits)?;
        bits.consume(len + u32::from(rs & 15));
        if rs & 15 == 0 {
            if rs != 0xF0 {
                break; // end of block
            }
            k += 16;
        } else {
            k += usize::from(rs >> 4) + 1;
        }
    }
    Some(())
}

/// Decodes a block's AC coefficients into `block` (natural order, not dequantised).
pub(crate) fn read_ac(bits: &mut Bits, table: &Huffman, block: &mut [i32; 64]) -> Option<()> {
    let mut k = 1;
    while k < 64 {
        let (rs, value) = symbol(bits, table)?;
        if rs & 15 == 0 {
            if rs != 0xF0 {
                break;
            }
            k += 16;
        } else {
            k += usize::from(rs >> 4);
            // libjpeg stores coefficients as 16-bit JCOEFs.
            block[usize::from(NATURAL[k])] = i32::from(value as i16);
            k += 1;
        }
    }
    Some(())
}

/// The scan's entropy-coded bytes without the zero bytes stuffed after each 0xFF, up to the
/// marker that ends it; the offsets where restart markers were, and the end offset of the data.
pub(crate) fn unstuff(data: &[u8]) -> (Vec<u8>, Vec<usize>, usize) {
    let mut clean = Vec::with_capacity(data.len());
    let mut restarts = Vec::new();
    let mut rest = data;
    while let Some(ff) = rest.iter().position(|&b| b == 0xFF) {
        clean.extend_from_slice(&rest[..ff]);
        match rest.get(ff + 1) {
            Some(0) => {
                clean.push(0xFF);
                rest = &rest[ff + 2..];
            }
            Some(0xD0..=0xD7) => {
                restarts.push(clean.len());
                rest = &rest[ff + 2..];
            }
            Some(0xFF) => rest = &rest[ff + 1..],
            _ => {
                rest = &[];
                break;
            }
        }
    }
    clean.extend_from_slice(rest);
    let end = clean.len();
    (clean, restarts, end)
}
