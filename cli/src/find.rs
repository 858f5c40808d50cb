//! `lookalike query`.
use crate::args::QueryArgs;
use crate::config::Config;

pub fn run(_config: &Config, _args: &QueryArgs) -> anyhow::Result<()> {
    anyhow::bail!("query: not implemented yet")
}
