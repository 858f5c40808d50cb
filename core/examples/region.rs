//! Prints the content region (and caption bands) that the signature is computed from.
//! `cargo run --release -p lookalike-core --example region -- FILE...`
use lookalike_core::{PixelLayout, Pixels, content};

fn main() {
    for path in std::env::args().skip(1) {
        let img = match image::open(&path) {
            Ok(img) => img.to_rgb8(),
            Err(e) => {
                eprintln!("{path}: {e}");
                continue;
            }
        };
        let (w, h) = img.dimensions();
        let pixels = Pixels::new(w, h, PixelLayout::Rgb8, img.as_raw()).expect("pixels");
        let c = content(&pixels);
        println!("{path}: {w}x{h} -> {:?} bands {:?}", c.region, c.bands);
    }
}
