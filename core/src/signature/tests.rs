//! Tests of [`super::Signature`]: computing, encoding, refusing bad bytes.
extern crate std;
use super::*;
use crate::{PixelLayout, SIZE};
use alloc::vec::Vec;
use proptest::prelude::*;

fn gradient(w: u32, h: u32) -> Vec<u8> {
    let mut v = Vec::new();
    for y in 0..h {
        for x in 0..w {
            v.extend_from_slice(&[
                (x * 255 / w) as u8,
                (y * 255 / h) as u8,
                ((x ^ y) & 0xff) as u8,
            ]);
        }
    }
    v
}

#[test]
fn signature_is_deterministic_and_compact() {
    let data = gradient(300, 200);
    let pixels = Pixels::new(300, 200, PixelLayout::Rgb8, &data).unwrap();
    let a = Signature::compute(&pixels);
    let b = Signature::compute(&pixels);
    assert_eq!(a, b);
    assert_eq!(a.m(), 60);
    assert_eq!(a.to_bytes().len(), 34 + 2 * 3 * 60);
    assert!((a.aspect_ratio() - 1.5).abs() < 1e-6);
    assert!(a.codes(0).windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn bytes_round_trip() {
    let data = gradient(97, 131);
    let pixels = Pixels::new(97, 131, PixelLayout::Rgb8, &data).unwrap();
    for m in [1u8, 20, 40, 60] {
        let s = Signature::compute_with(&pixels, m).unwrap();
        assert_eq!(Signature::from_bytes(&s.to_bytes()).unwrap(), s);
    }
}

#[test]
fn decoding_rejects_damaged_bytes() {
    let data = gradient(64, 64);
    let s = Signature::compute(&Pixels::new(64, 64, PixelLayout::Rgb8, &data).unwrap());
    let good = s.to_bytes();
    assert_eq!(
        Signature::from_bytes(&good[..10]),
        Err(Error::SignatureLength {
            expected: 394,
            got: 10
        })
    );
    let mut v = good.clone();
    v[4] = FORMAT_VERSION - 1; // the format before (17 kept a dark ground with the bars beside it)
    assert_eq!(
        Signature::from_bytes(&v),
        Err(Error::UnsupportedSignatureVersion(FORMAT_VERSION - 1))
    );
    let mut v = good.clone();
    v[0] = b'X';
    assert_eq!(Signature::from_bytes(&v), Err(Error::BadMagic));
    let mut v = good.clone();
    v[5] = 61;
    assert_eq!(Signature::from_bytes(&v), Err(Error::CoefficientCount(61)));
    let mut v = good.clone();
    v[HEADER_LEN] = 0;
    v[HEADER_LEN + 1] = 0; // position 0 is the average, never a coefficient
    assert_eq!(
        Signature::from_bytes(&v),
        Err(Error::InvalidSignature("coefficient position"))
    );
    let mut v = good;
    v[6..10].copy_from_slice(&f32::NAN.to_le_bytes());
    assert_eq!(
        Signature::from_bytes(&v),
        Err(Error::InvalidSignature("aspect ratio"))
    );
}

#[test]
fn gray_image_has_uninformative_chroma() {
    let mut data = gradient(200, 200);
    for p in data.chunks_exact_mut(3) {
        let g = ((u32::from(p[0]) + u32::from(p[1]) + u32::from(p[2])) / 3) as u8;
        p.copy_from_slice(&[g, g, g]);
    }
    let s = Signature::compute(&Pixels::new(200, 200, PixelLayout::Rgb8, &data).unwrap());
    assert!(s.is_informative(0));
    assert!(
        !s.is_informative(1) && !s.is_informative(2),
        "{:?}",
        s.strength()
    );
    let colour = gradient(200, 200);
    let s = Signature::compute(&Pixels::new(200, 200, PixelLayout::Rgb8, &colour).unwrap());
    assert!(
        s.is_informative(1) && s.is_informative(2),
        "{:?}",
        s.strength()
    );
    let _ = SIZE;
}

/// Signature format 12: a picture with a caption band is marked ([`Signature::banded`]), the
/// mark survives the bytes, and compared with the picture without the band it is capped at
/// [`crate::BANDED_CAP`], so sensitivity 100 does not take a captioned copy for a resized one.
#[test]
fn a_captioned_copy_is_marked_and_capped_against_its_picture() {
    // A picture whose bottom rows repeat the row above them, as a plain ground does: filled,
    // its band leaves the copy nearly the picture.
    let (w, h) = (200u32, 120u32);
    let mut picture = gradient(w, h);
    let row = |y: u32| (y * w * 3) as usize..((y + 1) * w * 3) as usize;
    let edge = picture[row(h - 26)].to_vec();
    for y in h - 25..h {
        picture[row(y)].copy_from_slice(&edge);
    }
    let mut captioned = picture.clone();
    for i in 0..20 {
        let y = h - 1 - i;
        for x in 0..w {
            let text = (5..15).contains(&i) && (30..170).contains(&x) && (x / 3) % 4 == 0;
            let v = if text { 250 } else { 20 };
            let at = ((y * w + x) * 3) as usize;
            captioned[at..at + 3].copy_from_slice(&[v, v, v]);
        }
    }
    let sign =
        |data: &[u8]| Signature::compute(&Pixels::new(w, h, PixelLayout::Rgb8, data).unwrap());
    let (plain, copy) = (sign(&picture), sign(&captioned));
    assert!(!plain.banded() && copy.banded());
    let decoded = Signature::from_bytes(&copy.to_bytes()).unwrap();
    assert!(decoded.banded());
    assert_eq!(decoded, copy);
    let capped = crate::compare(&plain, &copy, crate::Weights::Scanned).similarity;
    let uncapped =
        crate::compare(&plain, &copy.with_band(false), crate::Weights::Scanned).similarity;
    assert!(
        capped <= crate::BANDED_CAP && uncapped > crate::BANDED_CAP,
        "capped {capped}, uncapped {uncapped}"
    );
    // Two captioned pictures are not capped against each other.
    assert_eq!(
        crate::compare(&copy, &copy, crate::Weights::Scanned).similarity,
        100.0
    );
}

proptest! {
    #[test]
    fn decoding_random_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = Signature::from_bytes(&bytes);
    }

    #[test]
    fn decoding_mutated_signatures_never_panics(at in 0usize..394, value in any::<u8>()) {
        let data = gradient(50, 40);
        let s = Signature::compute(&Pixels::new(50, 40, PixelLayout::Rgb8, &data).unwrap());
        let mut bytes = s.to_bytes();
        bytes[at] = value;
        if let Ok(decoded) = Signature::from_bytes(&bytes) {
            prop_assert_eq!(decoded.to_bytes(), bytes);
        }
    }

    #[test]
    fn encode_decode_round_trips(w in 1u32..300, h in 1u32..300, seed in any::<u32>(), m in 1u8..=60) {
        let mut x = seed;
        let data: Vec<u8> = (0..w * h * 3).map(|_| { x = x.wrapping_mul(747796405).wrapping_add(2891336453); (x >> 24) as u8 }).collect();
        let s = Signature::compute_with(&Pixels::new(w, h, PixelLayout::Rgb8, &data).unwrap(), m).unwrap();
        prop_assert_eq!(Signature::from_bytes(&s.to_bytes()).unwrap(), s);
    }
}
