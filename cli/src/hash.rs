//! `lookalike hash`.
use crate::args::HashArgs;
use crate::config::Config;

pub fn run(_config: &Config, _args: &HashArgs) -> anyhow::Result<()> {
    anyhow::bail!("hash: not implemented yet")
}
