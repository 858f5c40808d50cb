//! `lookalike scan`.
use crate::args::ScanArgs;
use crate::config::Config;

pub fn run(_config: &Config, _args: &ScanArgs) -> anyhow::Result<()> {
    anyhow::bail!("scan: not implemented yet")
}
