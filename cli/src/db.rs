//! `lookalike db info|prune|export`.
use crate::args::DbCommand;
use crate::config::Config;

pub fn run(_config: &Config, _command: &DbCommand) -> anyhow::Result<()> {
    anyhow::bail!("db: not implemented yet")
}
