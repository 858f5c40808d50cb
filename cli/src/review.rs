//! review (in progress).
