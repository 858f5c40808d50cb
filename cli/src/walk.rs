//! walk (in progress).
