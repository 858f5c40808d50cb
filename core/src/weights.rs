//! The paper's bin weights.
//!
//! Jacobs, Finkelstein & Salesin (1995), §3.3 and Table 1: the score of a query against a target
//! weights the difference of the average colours and each matching coefficient by a weight that
//! depends on the channel (Y, I, Q) and on the coefficient's *bin*, `bin(i, j) = min(max(i, j),
//! 5)` for the coefficient at row `i`, column `j` of the standard decomposition. Bin 0 is the
//! average colour. The weights were fitted by the authors for two kinds of queries: *scanned*
//! (a photograph or scan of the target, used by imgSeek, rivo/duplo and duplo-rs, and our
//! default) and *painted* (a hand-painted sketch of it).
//!
//! Every weight has two decimals, so scoring keeps them as integer hundredths
//! ([`Weights::centi`]): sums of matched weights are then exact, and the inverted index and the
//! pairwise comparison agree to the last bit.

use crate::SIZE;

/// Which of the paper's weight tables scores a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Weights {
    /// The weights for scanned queries (the paper's first set; the one rivo/duplo and duplo-rs
    /// use). Right for photographs and their edited copies.
    #[default]
    Scanned,
    /// The weights for painted (sketched) queries (the paper's second set).
    Painted,
}

/// `[bin][channel]` in hundredths, channels in Y, I, Q order.
const SCANNED: [[u16; 3]; 6] = [
    [500, 1921, 3437],
    [83, 126, 36],
    [101, 44, 45],
    [52, 53, 14],
    [47, 28, 18],
    [30, 14, 27],
];

/// `[bin][channel]` in hundredths, channels in Y, I, Q order.
const PAINTED: [[u16; 3]; 6] = [
    [404, 1514, 2262],
    [78, 92, 40],
    [46, 53, 63],
    [42, 26, 25],
    [41, 14, 15],
    [32, 7, 38],
];

impl Weights {
    /// The weight of `bin` (0–5) in `channel` (0 = Y, 1 = I, 2 = Q), in hundredths.
    #[inline]
    pub const fn centi(self, channel: usize, bin: usize) -> u16 {
        match self {
            Weights::Scanned => SCANNED[bin][channel],
            Weights::Painted => PAINTED[bin][channel],
        }
    }

    /// The weight of `bin` (0–5) in `channel` (0 = Y, 1 = I, 2 = Q), as the paper prints it.
    pub fn weight(self, channel: usize, bin: usize) -> f32 {
        f32::from(self.centi(channel, bin)) / 100.0
    }

    /// The weight of the coefficient at `position` (`row × 128 + col`) in `channel`, in
    /// hundredths.
    #[inline]
    pub const fn centi_at(self, channel: usize, position: usize) -> u16 {
        self.centi(channel, bin(position))
    }

    /// The weight, in hundredths, of the place `position` (`row × 128 + col`) in `channel` when
    /// one image of a pair is turned with [`reversal`](crate::Orientation::reversal)
    /// `reversal`: the lighter of the paper's weights of the place and of the place the
    /// coefficient came from (the same place for `reversal` 0). Both images of a pair then
    /// weigh every shared coefficient alike, whichever of them is turned.
    #[inline]
    pub const fn turned_centi(self, channel: usize, position: usize, reversal: usize) -> u16 {
        let (row, col) = (position / SIZE, position % SIZE);
        if reversal == 0 || row >= 8 || col >= 8 {
            // Upright; or levels of eight and more, where every place is in bin 5.
            return self.centi(channel, bin(position));
        }
        let from_row = if reversal & 2 != 0 {
            crate::orientation::reverse(row).0
        } else {
            row
        };
        let from_col = if reversal & 1 != 0 {
            crate::orientation::reverse(col).0
        } else {
            col
        };
        let here = self.centi(channel, bin(position));
        let there = self.centi(channel, bin(from_row * SIZE + from_col));
        if here < there { here } else { there }
    }

    /// A stable one-byte code for storage: 0 = scanned, 1 = painted.
    pub const fn code(self) -> u8 {
        match self {
            Weights::Scanned => 0,
            Weights::Painted => 1,
        }
    }

    /// The inverse of [`Weights::code`].
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Weights::Scanned),
            1 => Some(Weights::Painted),
            _ => None,
        }
    }
}

/// The paper's bin of the coefficient at `position` (`row × 128 + col`): `min(max(row, col), 5)`.
#[inline]
pub const fn bin(position: usize) -> usize {
    let (row, col) = (position / SIZE, position % SIZE);
    let m = if row > col { row } else { col };
    if m < 5 { m } else { 5 }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table as the paper prints it: `[channel][bin]`, channels Y, I, Q.
    fn table(w: Weights) -> [[f32; 6]; 3] {
        core::array::from_fn(|c| core::array::from_fn(|b| w.weight(c, b)))
    }

    #[test]
    fn scanned_table_is_the_one_duplo_uses() {
        // rivo/duplo and duplo-rs: Y 5.00 0.83 1.01 0.52 0.47 0.30, I 19.21 1.26 0.44 0.53 0.28
        // 0.14, Q 34.37 0.36 0.45 0.14 0.18 0.27.
        assert_eq!(
            table(Weights::Scanned),
            [
                [5.00, 0.83, 1.01, 0.52, 0.47, 0.30],
                [19.21, 1.26, 0.44, 0.53, 0.28, 0.14],
                [34.37, 0.36, 0.45, 0.14, 0.18, 0.27],
            ]
        );
    }

    #[test]
    fn painted_table_is_the_one_imgseek_transcribed() {
        // The paper's weights for painted queries as imgSeek transcribed them "straight from the
        // referenced paper" (iqdb, isk-daemon and digiKam carry the same table).
        assert_eq!(
            table(Weights::Painted),
            [
                [4.04, 0.78, 0.46, 0.42, 0.41, 0.32],
                [15.14, 0.92, 0.53, 0.26, 0.14, 0.07],
                [22.62, 0.40, 0.63, 0.25, 0.15, 0.38],
            ]
        );
    }

    #[test]
    fn bins_follow_the_larger_index_up_to_five() {
        assert_eq!(bin(0), 0);
        assert_eq!(bin(1), 1);
        assert_eq!(bin(SIZE), 1);
        assert_eq!(bin(SIZE + 1), 1);
        assert_eq!(bin(2 * SIZE + 1), 2);
        assert_eq!(bin(4 * SIZE + 3), 4);
        assert_eq!(bin(5), 5);
        assert_eq!(bin(127 * SIZE + 127), 5);
    }

    #[test]
    fn codes_round_trip() {
        for w in [Weights::Scanned, Weights::Painted] {
            assert_eq!(Weights::from_code(w.code()), Some(w));
        }
        assert_eq!(Weights::from_code(7), None);
    }
}
