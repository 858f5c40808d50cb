//! Placeholder: this crate is being built (see the issues).
#![warn(missing_docs)]
