//! Untrusted bytes → `Signature::from_bytes`: an error or a signature, never a panic; a
//! signature that decodes encodes back to the same bytes and can be scored and indexed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lookalike_core::{Index, Signature, Weights, compare};

fuzz_target!(|data: &[u8]| {
    let Ok(signature) = Signature::from_bytes(data) else {
        return;
    };
    assert_eq!(signature.to_bytes(), data, "decode → encode is the identity");
    let pair = compare(&signature, &signature, Weights::Scanned);
    assert!(pair.similarity.is_finite());
    let mut index = Index::new(Weights::Scanned);
    let id = index.insert(&signature);
    let hits = index.query(&signature, 0.0, 4);
    assert!(hits.iter().any(|h| h.id == id), "a signature finds itself");
});
