//! The one place progress bars are made (hyperfine's style): a bar with rate and ETA for every
//! long step, hidden when stderr is not a terminal or with `--quiet`. Lines printed through
//! [`crate::messages`] while bars are drawn go above them.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::messages;

/// Makes the bars of one run.
pub struct Progress {
    multi: MultiProgress,
}

impl Progress {
    /// Bars on stderr if it is a terminal and `--quiet` was not given; hidden otherwise.
    pub fn new() -> Progress {
        let visible = std::io::stderr().is_terminal() && !messages::quiet();
        let target = if visible {
            ProgressDrawTarget::stderr_with_hz(10)
        } else {
            ProgressDrawTarget::hidden()
        };
        let multi = MultiProgress::with_draw_target(target);
        messages::attach(Some(multi.clone()));
        Progress { multi }
    }

    /// A bar over `len` items: `message [====>   ] 1234/5000 files 812/s ETA 0:05`.
    pub fn bar(&self, len: u64, message: &str, unit: &str) -> ProgressBar {
        let style = ProgressStyle::with_template(&format!(
            "{{msg:>10}} [{{bar:30}}] {{pos}}/{{len}} {unit} {{per_sec}} ETA {{eta}}"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        let bar = self.multi.add(ProgressBar::new(len).with_style(style));
        bar.set_message(message.to_string());
        bar
    }

    /// A spinner for a step of unknown length (walking folders), counting items.
    pub fn spinner(&self, message: &str, unit: &str) -> ProgressBar {
        let style = ProgressStyle::with_template(&format!(
            "{{spinner}} {{msg}} {{pos}} {unit} {{per_sec}}"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let bar = self.multi.add(ProgressBar::new_spinner().with_style(style));
        bar.set_message(message.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    }
}

impl Default for Progress {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        let _ = self.multi.clear();
        messages::attach(None);
    }
}
