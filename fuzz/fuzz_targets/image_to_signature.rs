//! Untrusted bytes → the decoders the CLI and the page use for non-JPEG formats (the `image`
//! crate, with the CLI's limits) → `Pixels::new` → `Signature::compute`, and raw pixel buffers of
//! any size and layout straight into `Pixels::new`: errors allowed, panics not.
#![no_main]

use image::{ImageReader, Limits};
use libfuzzer_sys::fuzz_target;
use lookalike_core::{PixelLayout, Pixels, Signature};

fuzz_target!(|data: &[u8]| {
    // Raw pixels: the first 5 bytes give width, height and layout.
    if let [w0, w1, h0, h1, layout, rest @ ..] = data {
        let (w, h) = (u32::from(u16::from_le_bytes([*w0, *w1])), u32::from(u16::from_le_bytes([*h0, *h1])));
        let layout = if layout % 2 == 0 { PixelLayout::Rgb8 } else { PixelLayout::Rgba8 };
        if let Ok(pixels) = Pixels::new(w, h, layout, rest) {
            let _ = Signature::compute(&pixels);
        }
    }
    // Encoded images.
    let Ok(mut reader) = ImageReader::new(std::io::Cursor::new(data)).with_guessed_format() else {
        return;
    };
    let mut limits = Limits::default();
    limits.max_image_width = Some(4096);
    limits.max_image_height = Some(4096);
    limits.max_alloc = Some(64 << 20);
    reader.limits(limits);
    let Ok(image) = reader.decode() else {
        return;
    };
    let rgb = image.into_rgb8();
    if let Ok(pixels) = Pixels::new(rgb.width(), rgb.height(), PixelLayout::Rgb8, rgb.as_raw()) {
        let signature = Signature::compute(&pixels);
        assert_eq!(Signature::from_bytes(&signature.to_bytes()).ok(), Some(signature));
    }
});
