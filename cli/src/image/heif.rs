//! HEIC/HEIF and AVIF through the system's libheif, loaded at run time: the one module with
//! `unsafe` code in the command line (FFI calls, as FFI crates make them). Loading at run time
//! keeps the fresh-machine rule (the build needs nothing but Rust): where libheif is installed
//! (Debian: `apt-get install libheif1`, whose decoders are libde265 for HEIC and dav1d or libaom
//! for AVIF) such files are read; elsewhere each one is a per-file error naming the package.
//!
//! Only libheif's stable C API of version 1.x is used: read from memory, take the primary image
//! (libheif applies its rotation and mirroring), decode to interleaved 8-bit RGB or RGBA, copy
//! the rows out, release everything. The size is checked against [`MAX_PIXELS`] before decoding.
//! `LOOKALIKE_LIBHEIF=/path/to/libheif.so` names the library to load instead of the usual names.
#![allow(unsafe_code)]

use std::ffi::{CStr, c_char, c_int, c_void};
use std::sync::OnceLock;

use anyhow::{Context, Result, anyhow, bail};
use libloading::{Library, Symbol};
use lookalike_core::PixelLayout;

use super::decode::{Decoded, MAX_PIXELS};
use crate::image::budget::{BUDGET, LARGE_DECODE};
use crate::store::Format;

/// The library names tried, in order.
const NAMES: [&str; 3] = ["libheif.so.1", "libheif.so", "libheif.1.dylib"];
/// What to install where it is missing.
pub const PACKAGE_HINT: &str = "reading HEIC/HEIF and AVIF needs libheif (Debian/Ubuntu: apt-get install libheif1; macOS: brew install libheif)";

#[repr(C)]
struct HeifError {
    code: c_int,
    subcode: c_int,
    message: *const c_char,
}

const COLORSPACE_RGB: c_int = 1;
const CHROMA_INTERLEAVED_RGB: c_int = 10;
const CHROMA_INTERLEAVED_RGBA: c_int = 11;
const CHANNEL_INTERLEAVED: c_int = 10;

type Ctx = c_void;
type Handle = c_void;
type Image = c_void;

struct Api {
    _lib: Library,
    context_alloc: unsafe extern "C" fn() -> *mut Ctx,
    context_free: unsafe extern "C" fn(*mut Ctx),
    read_from_memory:
        unsafe extern "C" fn(*mut Ctx, *const c_void, usize, *const c_void) -> HeifError,
    primary_handle: unsafe extern "C" fn(*mut Ctx, *mut *mut Handle) -> HeifError,
    handle_release: unsafe extern "C" fn(*const Handle),
    handle_width: unsafe extern "C" fn(*const Handle) -> c_int,
    handle_height: unsafe extern "C" fn(*const Handle) -> c_int,
    handle_has_alpha: unsafe extern "C" fn(*const Handle) -> c_int,
    decode_image: unsafe extern "C" fn(
        *const Handle,
        *mut *mut Image,
        c_int,
        c_int,
        *const c_void,
    ) -> HeifError,
    image_release: unsafe extern "C" fn(*const Image),
    plane_readonly: unsafe extern "C" fn(*const Image, c_int, *mut c_int) -> *const u8,
    image_width: unsafe extern "C" fn(*const Image, c_int) -> c_int,
    image_height: unsafe extern "C" fn(*const Image, c_int) -> c_int,
}

// SAFETY: the function pointers are plain C functions of a library that stays loaded (it is
// owned by the `Api`, which lives in a static); libheif's contexts are not shared between calls.
unsafe impl Send for Api {}
unsafe impl Sync for Api {}

impl Api {
    fn load() -> Result<Api, String> {
        let mut last = String::new();
        let chosen = std::env::var("LOOKALIKE_LIBHEIF").ok();
        let names: Vec<&str> = match &chosen {
            Some(name) => vec![name.as_str()],
            None => NAMES.to_vec(),
        };
        for name in names {
            // SAFETY: loading libheif runs its initialisers, which only set up its plugins.
            match unsafe { Library::new(name) } {
                Ok(lib) => return Api::bind(lib).map_err(|e| format!("{name}: {e}")),
                Err(e) => last = e.to_string(),
            }
        }
        Err(last)
    }

    fn bind(lib: Library) -> Result<Api, libloading::Error> {
        // SAFETY: each symbol is looked up by its libheif 1.x name and given that function's C
        // signature (libheif/heif.h); the pointers are used only while `lib` is alive.
        unsafe {
            macro_rules! sym {
                ($name:literal) => {{
                    let s: Symbol<'_, _> = lib.get(concat!($name, "\0").as_bytes())?;
                    *s
                }};
            }
            Ok(Api {
                context_alloc: sym!("heif_context_alloc"),
                context_free: sym!("heif_context_free"),
                read_from_memory: sym!("heif_context_read_from_memory_without_copy"),
                primary_handle: sym!("heif_context_get_primary_image_handle"),
                handle_release: sym!("heif_image_handle_release"),
                handle_width: sym!("heif_image_handle_get_width"),
                handle_height: sym!("heif_image_handle_get_height"),
                handle_has_alpha: sym!("heif_image_handle_has_alpha_channel"),
                decode_image: sym!("heif_decode_image"),
                image_release: sym!("heif_image_release"),
                plane_readonly: sym!("heif_image_get_plane_readonly"),
                image_width: sym!("heif_image_get_width"),
                image_height: sym!("heif_image_get_height"),
                _lib: lib,
            })
        }
    }
}

fn api() -> Result<&'static Api> {
    static API: OnceLock<Result<Api, String>> = OnceLock::new();
    API.get_or_init(Api::load)
        .as_ref()
        .map_err(|e| anyhow!("{PACKAGE_HINT} ({e})"))
}

/// Whether this process can read HEIC/AVIF (libheif found and complete).
#[cfg(test)]
pub fn available() -> bool {
    api().is_ok()
}

/// The format an ISO-BMFF file's `ftyp` brands name, if it is HEIF-family.
pub fn sniff(bytes: &[u8]) -> Option<Format> {
    if bytes.get(4..8)? != b"ftyp" {
        return None;
    }
    let size = u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
    let end = size.clamp(16, 256).min(bytes.len());
    // The major brand, then the compatible brands (skipping the minor version).
    let compatible = bytes.get(16..end).unwrap_or_default();
    let brands = std::iter::once(bytes.get(8..12)?).chain(compatible.chunks_exact(4));
    let mut found = None;
    for brand in brands {
        match brand {
            b"avif" | b"avis" => return Some(Format::Avif),
            b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"mif1" | b"msf1" => {
                found = Some(Format::Heif)
            }
            _ => {}
        }
    }
    found
}

/// Checks libheif's result.
fn check(e: HeifError) -> Result<()> {
    if e.code == 0 {
        return Ok(());
    }
    let message = if e.message.is_null() {
        String::new()
    } else {
        // SAFETY: libheif's messages are static, NUL-terminated strings.
        unsafe { CStr::from_ptr(e.message) }
            .to_string_lossy()
            .into_owned()
    };
    bail!("libheif: {message} (error {}.{})", e.code, e.subcode)
}

/// Frees what it holds when dropped, so every early return releases libheif's objects.
struct Owned<'a> {
    api: &'a Api,
    ctx: *mut Ctx,
    handle: *mut Handle,
    image: *mut Image,
}

impl Drop for Owned<'_> {
    fn drop(&mut self) {
        // SAFETY: each pointer is null or was returned by libheif and is released once, image
        // before handle before context.
        unsafe {
            if !self.image.is_null() {
                (self.api.image_release)(self.image);
            }
            if !self.handle.is_null() {
                (self.api.handle_release)(self.handle);
            }
            if !self.ctx.is_null() {
                (self.api.context_free)(self.ctx);
            }
        }
    }
}

/// Decodes a HEIC/HEIF or AVIF file's primary image; errors name the format.
pub fn decode(bytes: &[u8], format: Format) -> Result<Decoded> {
    let name = if format == Format::Avif {
        "AVIF"
    } else {
        "HEIC/HEIF"
    };
    decode_primary(bytes, format).with_context(|| format!("cannot read this {name} file"))
}

fn decode_primary(bytes: &[u8], format: Format) -> Result<Decoded> {
    let api = api()?;
    let mut o = Owned {
        api,
        ctx: std::ptr::null_mut(),
        handle: std::ptr::null_mut(),
        image: std::ptr::null_mut(),
    };
    // SAFETY: `bytes` outlives the context (freed by `o` before this function returns); every
    // out-pointer is a valid local; the plane pointer is read only within the reported
    // stride × height, while the image is alive.
    unsafe {
        o.ctx = (api.context_alloc)();
        if o.ctx.is_null() {
            bail!("libheif: out of memory");
        }
        check((api.read_from_memory)(
            o.ctx,
            bytes.as_ptr().cast(),
            bytes.len(),
            std::ptr::null(),
        ))?;
        check((api.primary_handle)(o.ctx, &mut o.handle))?;
        let (w, h) = ((api.handle_width)(o.handle), (api.handle_height)(o.handle));
        let (w, h) = (u32::try_from(w)?, u32::try_from(h)?);
        if w == 0 || h == 0 {
            bail!("the image is empty ({w}×{h})");
        }
        if u64::from(w) * u64::from(h) > MAX_PIXELS {
            bail!("{w}×{h} is larger than the limit of {MAX_PIXELS} pixels");
        }
        let alpha = (api.handle_has_alpha)(o.handle) != 0;
        let (chroma, layout, channels) = if alpha {
            (CHROMA_INTERLEAVED_RGBA, PixelLayout::Rgba8, 4usize)
        } else {
            (CHROMA_INTERLEAVED_RGB, PixelLayout::Rgb8, 3usize)
        };
        let need = u64::from(w) * u64::from(h) * (channels as u64) * 3;
        let reservation = (need > LARGE_DECODE).then(|| BUDGET.reserve(need));
        check((api.decode_image)(
            o.handle,
            &mut o.image,
            COLORSPACE_RGB,
            chroma,
            std::ptr::null(),
        ))?;
        let iw = (api.image_width)(o.image, CHANNEL_INTERLEAVED);
        let ih = (api.image_height)(o.image, CHANNEL_INTERLEAVED);
        let (iw, ih) = (usize::try_from(iw)?, usize::try_from(ih)?);
        let mut stride: c_int = 0;
        let plane = (api.plane_readonly)(o.image, CHANNEL_INTERLEAVED, &mut stride);
        let stride = usize::try_from(stride)?;
        let row = iw * channels;
        if plane.is_null() || iw == 0 || ih == 0 || stride < row {
            bail!("libheif returned no usable pixels");
        }
        let mut data = Vec::with_capacity(row * ih);
        for y in 0..ih {
            let line = std::slice::from_raw_parts(plane.add(y * stride), row);
            data.extend_from_slice(line);
        }
        Ok(Decoded {
            data,
            layout,
            width: u32::try_from(iw)?,
            height: u32::try_from(ih)?,
            full_width: u32::try_from(iw)?,
            full_height: u32::try_from(ih)?,
            format,
            reservation,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brands_are_recognised() {
        let mut avif = b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf".to_vec();
        assert_eq!(sniff(&avif), Some(Format::Avif));
        avif[8..12].copy_from_slice(b"mif1");
        avif[16..20].copy_from_slice(b"heic");
        avif[20..24].copy_from_slice(b"msf1");
        avif[24..28].copy_from_slice(b"miaf");
        assert_eq!(sniff(&avif), Some(Format::Heif));
        assert_eq!(sniff(b"\0\0\0\x18ftypmp42\0\0\0\0isommp42"), None);
        assert_eq!(sniff(b"\xff\xd8\xff"), None);
        assert_eq!(sniff(b"\0\0\0\x08ftyp"), None);
    }

    #[test]
    fn garbage_is_an_error_not_a_crash() {
        if !available() {
            return;
        }
        let mut bytes = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec();
        bytes.extend_from_slice(&[0xAB; 64]);
        assert!(decode(&bytes, Format::Heif).is_err());
    }
}
