//! An error manager for the bundled libjpeg (mozjpeg's decoder) that notices damaged image data.
//!
//! libjpeg does not stop at a JPEG whose entropy-coded data ends early (a file cut short and
//! closed with an end marker, or a marker where data should be): it warns "Corrupt JPEG data:
//! premature end of data segment" and fills the rest of the picture with gray, and the `mozjpeg`
//! crate silences its warnings. Hashed, such a file is a different picture (the gray takes part of
//! it) and matches nothing, without a word. This manager records those two warnings
//! (`JWRN_HIT_MARKER`, `JWRN_JPEG_EOF`) so that the decoder can refuse the file, naming the
//! reason; fatal errors unwind with libjpeg's message, as the crate's own manager does (the
//! decoder catches them).
#![allow(unsafe_code)] // libjpeg's callbacks; see the SAFETY notes.

use std::cell::Cell;
use std::os::raw::c_int;

use mozjpeg_sys::{JWRN_HIT_MARKER, JWRN_JPEG_EOF, jpeg_common_struct, jpeg_error_mgr};

thread_local! {
    /// Set when libjpeg warned, on this thread, that the image data ended early.
    static CUT_SHORT: Cell<bool> = const { Cell::new(false) };
}

/// A fresh manager: libjpeg's standard one with our two callbacks.
pub fn error_mgr() -> jpeg_error_mgr {
    // SAFETY: `jpeg_std_error` fills in every field of the (plain C) struct; zeroed memory is a
    // valid starting value for it (pointers null, numbers zero), as libjpeg's examples use.
    let mut err: jpeg_error_mgr = unsafe { std::mem::zeroed() };
    // SAFETY: `err` is a valid, exclusive `jpeg_error_mgr`.
    unsafe { mozjpeg_sys::jpeg_std_error(&mut err) };
    err.error_exit = Some(error_exit);
    err.emit_message = Some(emit_message);
    CUT_SHORT.set(false);
    err
}

/// Whether the decoding since [`error_mgr`] hit the end of the image data early; clears it.
pub fn cut_short() -> bool {
    CUT_SHORT.replace(false)
}

extern "C-unwind" fn emit_message(cinfo: &mut jpeg_common_struct, level: c_int) {
    // Level -1 is a warning; 0 and up are trace messages.
    if level >= 0 {
        return;
    }
    // SAFETY: libjpeg calls this with the struct whose `err` is our manager, set up before any
    // message can be emitted.
    let Some(err) = (unsafe { cinfo.err.as_ref() }) else {
        return;
    };
    if err.msg_code == JWRN_HIT_MARKER as c_int || err.msg_code == JWRN_JPEG_EOF as c_int {
        CUT_SHORT.set(true);
    }
}

extern "C-unwind" fn error_exit(cinfo: &mut jpeg_common_struct) {
    let message = format_message(cinfo);
    // Not a panic: no hook runs; the decoder's `catch_unwind` turns it into an error.
    std::panic::resume_unwind(Box::new(format!("libjpeg fatal error: {message}")))
}

/// libjpeg's text for the current message (at most 80 bytes).
fn format_message(cinfo: &mut jpeg_common_struct) -> String {
    // SAFETY: as in `emit_message`.
    let Some(format) = (unsafe { cinfo.err.as_ref() }).and_then(|e| e.format_message) else {
        return "unknown error".to_owned();
    };
    // libjpeg writes the text into the buffer, which the declaration in mozjpeg-sys gives as a
    // shared reference; call it through a pointer instead, the same ABI.
    type Writes = unsafe extern "C-unwind" fn(&mut jpeg_common_struct, *mut [u8; 80]);
    let mut buffer = [0u8; 80];
    // SAFETY: a reference and a raw pointer to the same array type have the same ABI, and
    // `format_message` writes at most 80 bytes (JMSG_LENGTH_MAX) into it.
    unsafe {
        let writes: Writes = std::mem::transmute(format);
        writes(cinfo, &mut buffer);
    }
    let end = buffer.iter().position(|&b| b == 0).unwrap_or(buffer.len());
    String::from_utf8_lossy(&buffer[..end]).into_owned()
}
