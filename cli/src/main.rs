//! `lookalike`: find images (and videos) that look alike. This file only parses, dispatches and
//! turns the outcome into an exit code (see `args.rs` for the codes).

mod args;
mod commands;
mod config;
mod exchange;
mod image;
mod interrupt;
mod messages;
mod progress;
mod report;
mod store;
mod video;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use crate::args::{Cli, Command};
use crate::commands::{
    apply, bench, bench_report, bench_videos, db, hash, ignore, query, scan, videos,
};
use crate::config::Config;

/// Exit codes, as documented in `--help`.
pub mod exit {
    /// Finished; every input was read.
    pub const OK: u8 = 0;
    /// Finished; some inputs failed and were listed.
    pub const SOME_FAILED: u8 = 1;
    /// Could not run.
    pub const CANNOT_RUN: u8 = 2;
    /// Interrupted by Ctrl-C, after flushing the database.
    pub const INTERRUPTED: u8 = 130;
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    messages::set_quiet(cli.global.quiet);
    match run(cli) {
        Ok(()) if interrupt::requested() => ExitCode::from(exit::INTERRUPTED),
        Ok(()) if messages::errored() => ExitCode::from(exit::SOME_FAILED),
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => {
            eprintln!("error: {e:#}");
            if let Some(hint) = hint_for(&e) {
                messages::hint(hint);
            }
            ExitCode::from(exit::CANNOT_RUN)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::from_args(&cli.global)?;
    // A second pool would fight the first for the cores; ignore "already built" in tests.
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build_global();
    match cli.command {
        Command::Scan(args) => scan::run(&config, &args),
        Command::Query(args) => query::run(&config, &args),
        Command::Videos(args) => videos::run(&config, &args),
        Command::BenchVideos(command) => bench_videos::run(&command),
        Command::Apply(args) => apply::run(&config, &args),
        Command::Ignore(command) => ignore::run(&config, &command),
        Command::BenchReport(args) => bench_report::run(&args),
        Command::Hash(args) => hash::run(&config, &args),
        Command::Db(command) => db::run(&config, &command),
        Command::Bench(args) => bench::run(&config, &args),
        Command::Completions(args) => {
            clap_complete::generate(
                args.shell,
                &mut Cli::command(),
                "lookalike",
                &mut std::io::stdout(),
            );
            Ok(())
        }
    }
}

fn hint_for(e: &anyhow::Error) -> Option<String> {
    e.downcast_ref::<store::StoreError>()?.hint()
}
