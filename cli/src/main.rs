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
    quiet_device_select();
    let cli = Cli::parse();
    messages::set_quiet(cli.global.quiet);
    match run(cli) {
        Ok(()) if interrupt::requested() => ExitCode::from(exit::INTERRUPTED),
        Ok(()) if messages::errored() => ExitCode::from(exit::SOME_FAILED),
        Ok(()) => ExitCode::from(exit::OK),
        // The reader went away (`lookalike scan … | head`): what it wanted it has, and what the
        // run stored is stored. Nothing to report.
        Err(e) if broken_pipe(&e) => ExitCode::from(match messages::errored() {
            true => exit::SOME_FAILED,
            false => exit::OK,
        }),
        Err(e) => {
            eprintln!("error: {e:#}");
            if let Some(hint) = hint_for(&e) {
                messages::hint(hint);
            }
            ExitCode::from(exit::CANNOT_RUN)
        }
    }
}

/// Whether `e` comes from writing to a pipe whose reader has closed it.
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Mesa's Vulkan device-select layer prints `error: XDG_RUNTIME_DIR is invalid…` (twice) when
/// the process has no desktop session (a server, ssh, CI), even though nothing is wrong. It only
/// reorders adapters, which wgpu does by itself, so outside a session it is turned off with its
/// own switch, `NODEVICE_SELECT=1`, unless the user set that. The GPU is looked for on a thread
/// of its own (`image::helper`), where stderr cannot be silenced for `--quiet`.
#[allow(unsafe_code)] // `set_var` is unsafe since Rust 2024; see the SAFETY note.
fn quiet_device_select() {
    let session =
        std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|d| std::path::Path::new(&d).is_dir());
    if !session && std::env::var_os("NODEVICE_SELECT").is_none() {
        // SAFETY: the first thing `main` does: no other thread exists yet that could read the
        // environment at the same time.
        unsafe { std::env::set_var("NODEVICE_SELECT", "1") };
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
