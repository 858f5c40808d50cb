//! `Signature::from_parts` and the accessors are inverses, and damaged parts are refused as
//! damaged bytes are.

use lookalike_core::{Error, PixelLayout, Pixels, Signature};

fn gradient(w: u32, h: u32) -> Vec<u8> {
    (0..h)
        .flat_map(|y| {
            (0..w).flat_map(move |x| [(x * 255 / w) as u8, (y * 255 / h) as u8, (x ^ y) as u8])
        })
        .collect()
}

#[test]
fn parts_round_trip_and_are_checked() {
    let data = gradient(80, 60);
    let s = Signature::compute(&Pixels::new(80, 60, PixelLayout::Rgb8, &data).unwrap());
    let parts = |s: &Signature| {
        Signature::from_parts(
            s.aspect_ratio(),
            s.average(),
            s.strength(),
            [s.codes(0), s.codes(1), s.codes(2)],
        )
    };
    assert_eq!(parts(&s).unwrap(), s);
    assert_eq!(parts(&s).unwrap().to_bytes(), s.to_bytes());
    // Codes in another order give the same signature.
    let mut y: Vec<u16> = s.codes(0).to_vec();
    y.reverse();
    let again = Signature::from_parts(
        s.aspect_ratio(),
        s.average(),
        s.strength(),
        [&y, s.codes(1), s.codes(2)],
    );
    assert_eq!(again.unwrap(), s);
    // Damaged parts are errors, as damaged bytes are.
    let (i, q) = (s.codes(1), s.codes(2));
    let err = |aspect: f32, y: &[u16], i: &[u16]| {
        Signature::from_parts(aspect, s.average(), s.strength(), [y, i, q]).unwrap_err()
    };
    let mut twice = y.clone();
    twice[1] = twice[0];
    assert_eq!(
        err(1.0, &twice, i),
        Error::InvalidSignature("coefficient order")
    );
    assert_eq!(err(0.0, &y, i), Error::InvalidSignature("aspect ratio"));
    assert_eq!(
        err(1.0, &y, &i[1..]),
        Error::InvalidSignature("coefficient count per channel")
    );
    assert_eq!(err(1.0, &[], &[]), Error::CoefficientCount(0));
    let mut zero = y.clone();
    zero[0] = 0;
    assert_eq!(
        err(1.0, &zero, i),
        Error::InvalidSignature("coefficient position")
    );
    let mut high = y.clone();
    high[0] = 0x8001;
    assert_eq!(
        err(1.0, &high, i),
        Error::InvalidSignature("coefficient position")
    );
    let negative_strength = Signature::from_parts(1.0, s.average(), [-1.0, 0.0, 0.0], [&y, i, q]);
    assert_eq!(
        negative_strength.unwrap_err(),
        Error::InvalidSignature("strength")
    );
    let nan_average = Signature::from_parts(1.0, [f32::NAN; 3], s.strength(), [&y, i, q]);
    assert_eq!(
        nan_average.unwrap_err(),
        Error::InvalidSignature("average colour")
    );
}

#[test]
fn a_signature_made_from_parts_compares_like_any_other() {
    let data = gradient(64, 64);
    let s = Signature::compute(&Pixels::new(64, 64, PixelLayout::Rgb8, &data).unwrap());
    // Drop the first Y code and add the finest position no picture of this size keeps.
    let mut y: Vec<u16> = s.codes(0)[1..].to_vec();
    y.push(16_383);
    let changed = Signature::from_parts(
        s.aspect_ratio(),
        s.average(),
        s.strength(),
        [&y, s.codes(1), s.codes(2)],
    )
    .unwrap();
    assert_ne!(changed, s);
    let round = Signature::from_bytes(&changed.to_bytes()).unwrap();
    assert_eq!(round, changed);
    let pair = lookalike_core::compare(&s, &changed, lookalike_core::Weights::Scanned);
    assert!(
        pair.similarity < 100.0 && pair.similarity > 50.0,
        "{pair:?}"
    );
}
