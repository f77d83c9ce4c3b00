//! The quickstart's live view: one progress bar per activity, drawn from the details the
//! activity reports (the same details its heartbeats carry). Plain lines when stdout is not a
//! terminal. This is presentation only; a real worker needs nothing like it.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::{Mutex, OnceLock};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use swf_activity::Progress;

use crate::{Job, Tiles};

/// The installed view, reachable from the activity (which runs inside the worker).
static VIEW: OnceLock<Display> = OnceLock::new();

struct Display {
    /// `None` when stdout is not a terminal.
    multi: Option<MultiProgress>,
    bars: HashMap<String, ProgressBar>,
    /// Plain mode: the last quarter printed per activity, to keep logs short.
    printed: Mutex<HashMap<String, u32>>,
}

/// Creates a bar per job and makes the view reachable from [`show`].
pub fn install(jobs: &[Job]) {
    let multi = std::io::stdout()
        .is_terminal()
        .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stdout()));
    let style = ProgressStyle::with_template("{prefix:>9} [{bar:30}] {pos:>2}/{len} tiles {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    let bars = jobs
        .iter()
        .map(|job| {
            let bar = ProgressBar::hidden();
            bar.set_length(u64::from(job.photo.tiles));
            bar.set_style(style.clone());
            bar.set_prefix(job.photo.name.clone());
            let bar = match &multi {
                Some(multi) => multi.add(bar),
                None => bar,
            };
            (job.photo.name.clone(), bar)
        })
        .collect();
    let _ = VIEW.set(Display {
        multi,
        bars,
        printed: Mutex::new(HashMap::new()),
    });
}

/// Shows the details an activity just reported.
pub fn show(progress: &Progress, details: &Tiles) {
    let (Some(view), Some(task)) = (VIEW.get(), progress.task()) else {
        return;
    };
    let Some(bar) = view.bars.get(&task.activity_id) else {
        return;
    };
    bar.set_position(u64::from(details.done));
    if view.multi.is_none() {
        let quarter = details.done * 4 / details.of.max(1);
        let mut printed = view.printed.lock().unwrap_or_else(|p| p.into_inner());
        if printed.insert(task.activity_id.clone(), quarter) != Some(quarter) {
            println!(
                "{:>9}  {:>3}%  ({}/{} tiles)",
                task.activity_id,
                details.done * 100 / details.of.max(1),
                details.done,
                details.of
            );
        }
    }
}

/// Prints a line without breaking the bars.
pub fn note(text: &str) {
    match VIEW.get().and_then(|view| view.multi.as_ref()) {
        Some(multi) => {
            let _ = multi.println(text);
        }
        None => println!("{text}"),
    }
}

/// Closes an activity's bar with how it ended.
pub fn finished(activity_id: &str, outcome: &str) {
    let Some(view) = VIEW.get() else {
        return;
    };
    if let Some(bar) = view.bars.get(activity_id) {
        bar.abandon_with_message(outcome.to_owned());
    }
    if view.multi.is_none() {
        println!("{activity_id:>9}  {outcome}");
    }
}
