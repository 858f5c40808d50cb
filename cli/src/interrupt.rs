//! Ctrl-C: the first one asks the running step to stop at the next file boundary; the command
//! then flushes the database and exits with 130. A second Ctrl-C exits at once (sled's log is
//! still consistent: at worst the last half second of hashing is done again).

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Installs the handler (once per process; later calls are ignored).
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        if REQUESTED.swap(true, Ordering::SeqCst) {
            std::process::exit(i32::from(crate::exit::INTERRUPTED));
        }
    });
}

/// Whether Ctrl-C was pressed.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}
