//! One call per JPEG for the page's hashing workers: decode at reduced scale ([`crate::jpeg`]),
//! compute the signature and shrink the pixels to a thumbnail, all inside WebAssembly, so that
//! only the signature and the thumbnail's few pixels cross into JavaScript. (Decoding, hashing
//! and shrinking in three calls copied the decoded pixels out of the module and back in twice,
//! and left a few hundred kilobytes of garbage per photo in the worker.)

use lookalike_core::PixelLayout;
use wasm_bindgen::prelude::*;

use crate::{hash_bytes, jpeg, thumbnail};

/// What the page needs of one JPEG ([`hash_jpeg`]).
#[wasm_bindgen]
#[derive(Debug)]
pub struct HashedPhoto {
    signature: Vec<u8>,
    width: u32,
    height: u32,
    thumbnail: Vec<u8>,
    thumbnail_width: u32,
    thumbnail_height: u32,
    decoder: &'static str,
}

#[wasm_bindgen]
impl HashedPhoto {
    /// The signature bytes (as `hashRgba` gives them for the decoded pixels).
    pub fn signature(&self) -> Vec<u8> {
        self.signature.clone()
    }

    /// The image's own width, as displayed (after its EXIF orientation).
    #[wasm_bindgen(getter)]
    pub fn width(&self) -> u32 {
        self.width
    }

    /// The image's own height, as displayed.
    #[wasm_bindgen(getter)]
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The thumbnail's opaque RGBA pixels, rows top to bottom.
    pub fn thumbnail(&self) -> Vec<u8> {
        self.thumbnail.clone()
    }

    /// The thumbnail's width.
    #[wasm_bindgen(getter, js_name = thumbnailWidth)]
    pub fn thumbnail_width(&self) -> u32 {
        self.thumbnail_width
    }

    /// The thumbnail's height.
    #[wasm_bindgen(getter, js_name = thumbnailHeight)]
    pub fn thumbnail_height(&self) -> u32 {
        self.thumbnail_height
    }

    /// Which decoder read the file (see `ScaledImage.decoder`).
    #[wasm_bindgen(getter)]
    pub fn decoder(&self) -> String {
        self.decoder.to_owned()
    }
}

/// Decodes a JPEG file's bytes at reduced scale, hashes the pixels and shrinks them so that the
/// longer side of the thumbnail is at most `thumbnail_side`; an error for files the decoder
/// cannot read (which the page then gives to the browser's decoder).
#[wasm_bindgen(js_name = hashJpeg)]
pub fn hash_jpeg(bytes: &[u8], thumbnail_side: u32) -> Result<HashedPhoto, JsError> {
    hash_photo(bytes, thumbnail_side).map_err(|e| JsError::new(&e))
}

/// The plain-Rust twin of [`hash_jpeg`].
pub fn hash_photo(bytes: &[u8], thumbnail_side: u32) -> Result<HashedPhoto, String> {
    let image = jpeg::decode_scaled(bytes)?;
    let (sw, sh) = (image.scaled_width, image.scaled_height);
    let signature =
        hash_bytes(sw, sh, PixelLayout::Rgba8, &image.rgba).map_err(|e| e.to_string())?;
    let (tw, th) = thumbnail::fit(sw as usize, sh as usize, thumbnail_side as usize);
    let small = thumbnail::shrink(sw as usize, sh as usize, &image.rgba, tw, th)
        .ok_or("the decoded pixels do not fit their size")?;
    Ok(HashedPhoto {
        signature,
        width: image.width,
        height: image.height,
        thumbnail: small,
        thumbnail_width: tw as u32,
        thumbnail_height: th as u32,
        decoder: image.decoder,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_call_gives_what_three_calls_give() {
        let bytes = include_bytes!("../../tests/photos/Dragonfly_by_Bolly.jpg");
        let photo = hash_photo(bytes, 192).unwrap();
        let image = jpeg::decode_scaled(bytes).unwrap();
        let (sw, sh) = (image.scaled_width, image.scaled_height);
        assert_eq!(
            photo.signature,
            hash_bytes(sw, sh, PixelLayout::Rgba8, &image.rgba).unwrap()
        );
        assert_eq!((photo.width, photo.height), (640, 480));
        assert_eq!((photo.thumbnail_width, photo.thumbnail_height), (192, 144));
        let small = thumbnail::shrink(640, 480, &image.rgba, 192, 144).unwrap();
        assert_eq!(photo.thumbnail, small);
        assert_eq!(photo.decoder, image.decoder);
        assert!(hash_photo(&bytes[..bytes.len() / 3], 192).is_err());
        assert!(hash_photo(b"not a jpeg", 192).is_err());
    }
}
