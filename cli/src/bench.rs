//! `lookalike bench`.
use crate::args::BenchArgs;
use crate::config::Config;

pub fn run(_config: &Config, _args: &BenchArgs) -> anyhow::Result<()> {
    anyhow::bail!("bench: not implemented yet")
}
