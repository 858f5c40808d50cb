//! Validated settings built from the arguments before any file is opened (fd's `Opts` →
//! `Config`). Mistakes are explained here, with a hint.

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};
use lookalike_core::Sensitivity;

use crate::args::{GlobalArgs, GpuChoice};

/// Settings shared by every subcommand.
#[derive(Debug, Clone)]
pub struct Config {
    /// The database directory.
    pub db: PathBuf,
    /// Worker threads (rayon's global pool is sized to this).
    pub threads: usize,
    pub gpu: GpuChoice,
}

impl Config {
    pub fn from_args(global: &GlobalArgs) -> Result<Config> {
        let db = match &global.db {
            Some(db) => db.clone(),
            None => default_db()?,
        };
        let threads = match global.threads {
            Some(0) => return Err(anyhow!("--threads must be at least 1")),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        Ok(Config {
            db,
            threads,
            gpu: global.gpu,
        })
    }
}

/// `<data dir>/lookalike/index`, e.g. `~/.local/share/lookalike/index` on Linux.
pub fn default_db() -> Result<PathBuf> {
    let base = dirs::data_dir()
        .or_else(|| dirs::home_dir().map(|h| h.join(".local/share")))
        .context("no data directory found for the default database; give one with --db")?;
    Ok(base.join("lookalike").join("index"))
}

/// `--sensitivity` for images, checked: 0–100, default [`Sensitivity::DEFAULT`].
pub fn sensitivity(value: Option<u8>) -> Result<Sensitivity> {
    checked(value, Sensitivity::DEFAULT)
}

/// `--sensitivity` for signatures compared without probes (videos' screenshots, pairs from a
/// SQL engine), checked: 0–100, default [`Sensitivity::PLAIN_DEFAULT`].
pub fn plain_sensitivity(value: Option<u8>) -> Result<Sensitivity> {
    checked(value, Sensitivity::PLAIN_DEFAULT)
}

fn checked(value: Option<u8>, default: Sensitivity) -> Result<Sensitivity> {
    match value {
        None => Ok(default),
        Some(v) => Sensitivity::new(v).map_err(|_| {
            anyhow!("--sensitivity {v} is out of range; use 0 (loose) to 100 (strict)")
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitivity_is_checked() {
        assert_eq!(sensitivity(None).unwrap(), Sensitivity::DEFAULT);
        assert_eq!(plain_sensitivity(None).unwrap(), Sensitivity::PLAIN_DEFAULT);
        assert!(plain_sensitivity(Some(101)).is_err());
        assert_eq!(sensitivity(Some(100)).unwrap().get(), 100);
        assert!(sensitivity(Some(101)).is_err());
    }
}
