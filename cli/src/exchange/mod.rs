//! Tables exchanged with other tools when a library outgrows one machine (issue 14; README
//! "Past one machine"): the signatures table that `db export --format parquet` and `hash
//! --format parquet` write ([`signatures`]), the split of `hash --shard I/N` ([`shard`]), and
//! the pairs that `scale/pairs.sql` returns, read back by `db import-pairs` ([`pairs`]).

pub mod pairs;
pub mod shard;
pub mod signatures;
