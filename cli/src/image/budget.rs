//! One allowance of decoded bytes for the whole process, so that memory for huge images does not
//! grow with the number of threads.

use std::sync::{Condvar, Mutex, PoisonError};

use crate::image::decode::MAX_ALLOC;

/// Decoded pixels that large images may hold at once, over the whole process (not per thread): a
/// 19 000 × 19 000 PNG needs 1.4 GB, and each of 32 threads decoding one would need 45 GB.
pub const DECODE_BUDGET: u64 = MAX_ALLOC;
/// Images needing more than this to decode take their share of [`DECODE_BUDGET`] first, and wait
/// while other large images hold it. Smaller ones (every JPEG, decoded at reduced scale, and
/// photos of up to about 16 megapixels in other formats) never wait.
pub const LARGE_DECODE: u64 = 64 << 20;

/// A shared allowance of bytes: [`Budget::reserve`] waits until the request fits.
#[derive(Debug)]
pub struct Budget {
    limit: u64,
    used: Mutex<u64>,
    freed: Condvar,
}

/// Bytes held from a [`Budget`] until dropped.
#[derive(Debug)]
pub struct Reservation {
    budget: &'static Budget,
    bytes: u64,
}

impl Budget {
    pub const fn new(limit: u64) -> Budget {
        Budget {
            limit,
            used: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// Holds `bytes` (at most the whole limit, so that one huge request can still run alone),
    /// waiting while others hold too much.
    pub fn reserve(&'static self, bytes: u64) -> Reservation {
        let bytes = bytes.min(self.limit);
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        while *used + bytes > self.limit {
            used = self
                .freed
                .wait(used)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *used += bytes;
        Reservation {
            budget: self,
            bytes,
        }
    }

    /// Bytes held now.
    #[cfg(test)]
    pub fn used(&self) -> u64 {
        *self.used.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let mut used = self
            .budget
            .used
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *used -= self.bytes;
        self.budget.freed.notify_all();
    }
}

/// The budget every decode of a large image draws from.
pub static BUDGET: Budget = Budget::new(DECODE_BUDGET);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_decode_budget_makes_large_requests_wait_their_turn() {
        static SMALL: Budget = Budget::new(100);
        let first = SMALL.reserve(70);
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let second = SMALL.reserve(60);
            tx.send(SMALL.used()).unwrap();
            drop(second);
        });
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(
            rx.try_recv().is_err(),
            "70 + 60 > 100: the second must wait"
        );
        drop(first);
        assert_eq!(rx.recv().unwrap(), 60);
        waiter.join().unwrap();
        // Larger than the whole budget: clamped, so it runs alone rather than never.
        let huge = SMALL.reserve(1000);
        assert_eq!(SMALL.used(), 100);
        drop(huge);
        assert_eq!(SMALL.used(), 0);
    }
}
