//! What every scenario shares: the endpoint, what the endpoint recorded per task, the summary
//! line, a journal activities write to, and the lock that runs the scenarios one at a time.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use swf_activity::local::history::EventAttributes;
use swf_activity::local::{
    ActivityHandle, ActivitySpec, ActivityTimeoutType, FaultConfig, LocalSwf,
};

pub const DOMAIN: &str = "reliability";
pub const TASK_LIST: &str = "reliability-tasks";

/// Every wait in the suite is bounded by a multiple of this.
pub const LIMIT: Duration = Duration::from_secs(60);

/// Whether the larger sizes run (`SWF_RELIABILITY_HEAVY=1`).
pub fn heavy() -> bool {
    std::env::var("SWF_RELIABILITY_HEAVY").is_ok_and(|v| v == "1")
}

/// Runs the scenarios one at a time: throughput and timing figures are not measured against
/// another scenario's load. Held for a whole scenario.
pub async fn one_at_a_time() -> tokio::sync::MutexGuard<'static, ()> {
    static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    SERIAL.lock().await
}

/// An endpoint on a free loopback port with quick idle polls, room for every history of a
/// scenario, `faults` injected, and the suite's domain registered.
pub async fn endpoint(faults: FaultConfig) -> LocalSwf {
    let local = LocalSwf::builder()
        .poll_timeout(Duration::from_secs(1))
        .retain_closed(100_000)
        .faults(faults)
        .start()
        .await
        .expect("the local endpoint starts");
    // In-process, so that injected faults do not meet the registration.
    local
        .service()
        .ensure_domain(DOMAIN)
        .expect("the domain registers");
    local
}

/// A task of `name` version 1 on the suite's task list, with `id` as activity id. The activities
/// register their start-to-close and heartbeat timeouts; the decider gives the other two.
pub fn spec(name: &str, id: &str, input: &str) -> ActivitySpec {
    ActivitySpec::new(DOMAIN, name, "1")
        .task_list(TASK_LIST)
        .activity_id(id)
        .input(input)
        .schedule_to_start_timeout(LIMIT * 2)
        .schedule_to_close_timeout(LIMIT * 4)
}

/// Schedules a task, see [`spec`].
pub fn schedule(local: &LocalSwf, spec: ActivitySpec) -> ActivityHandle {
    local.schedule_activity(spec).expect("the task schedules")
}

/// How a task closed, as its history says.
#[derive(Clone, Debug, PartialEq)]
pub enum Close {
    Completed(Option<String>),
    Failed {
        reason: Option<String>,
        details: Option<String>,
    },
    Canceled(Option<String>),
    TimedOut(ActivityTimeoutType),
}

/// What the endpoint recorded for one task.
#[derive(Clone, Debug)]
pub struct Record {
    /// ActivityTaskStarted events.
    pub starts: usize,
    /// Every closing event, with its time (seconds since the Unix epoch).
    pub closes: Vec<(Close, f64)>,
    /// Heartbeats the endpoint accepted.
    pub heartbeats: u64,
}

impl Record {
    /// The task's single close, if it closed exactly once.
    pub fn close(&self) -> Option<&Close> {
        match self.closes.as_slice() {
            [(close, _)] => Some(close),
            _ => None,
        }
    }

    /// When it closed (seconds since the Unix epoch), if it did.
    pub fn closed_at(&self) -> Option<f64> {
        self.closes.first().map(|(_, at)| *at)
    }
}

/// Reads what the endpoint recorded for the task of `handle`.
pub fn record(handle: &ActivityHandle) -> Record {
    let history = handle.history().expect("the history is retained");
    let mut starts = 0;
    let mut closes = Vec::new();
    for event in history {
        let at = event.event_timestamp;
        let close = match event.attributes {
            EventAttributes::ActivityTaskStarted(_) => {
                starts += 1;
                continue;
            }
            EventAttributes::ActivityTaskCompleted(a) => Close::Completed(a.result),
            EventAttributes::ActivityTaskFailed(a) => Close::Failed {
                reason: a.reason,
                details: a.details,
            },
            EventAttributes::ActivityTaskCanceled(a) => Close::Canceled(a.details),
            EventAttributes::ActivityTaskTimedOut(a) => Close::TimedOut(a.timeout_type),
            _ => continue,
        };
        closes.push((close, at));
    }
    Record {
        starts,
        closes,
        heartbeats: handle.heartbeat_count(),
    }
}

/// Waits until every task closed, at most `limit`; answers the records then (open ones included).
pub async fn until_closed(handles: &[ActivityHandle], limit: Duration) -> Vec<Record> {
    let deadline = tokio::time::Instant::now() + limit;
    for handle in handles {
        let _ = tokio::time::timeout_at(deadline, handle.outcome()).await;
    }
    handles.iter().map(record).collect()
}

/// Waits until the endpoint recorded `handle`'s task as started, at most `limit`.
pub async fn until_started(handle: &ActivityHandle, limit: Duration) {
    let deadline = tokio::time::Instant::now() + limit;
    while record(handle).starts == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "task {} was not started within {limit:?}",
            handle.activity_id()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The counts of one scenario's summary line.
#[derive(Debug, Default)]
pub struct Tally {
    pub tasks: usize,
    pub completed: usize,
    pub failed: usize,
    pub canceled: usize,
    pub timed_out: usize,
    /// Tasks without any close event.
    pub open: usize,
    /// Tasks started or closed more than once.
    pub duplicates: usize,
    /// Tasks whose result did not reach the history (each scenario says what that means).
    pub lost: usize,
    extra: Vec<(String, String)>,
}

impl Tally {
    /// Counts every record.
    pub fn of(records: &[Record]) -> Self {
        let mut tally = Tally::default();
        for record in records {
            tally.tasks += 1;
            if record.starts > 1 || record.closes.len() > 1 {
                tally.duplicates += 1;
            }
            match record.closes.first().map(|(close, _)| close) {
                None => tally.open += 1,
                Some(Close::Completed(_)) => tally.completed += 1,
                Some(Close::Failed { .. }) => tally.failed += 1,
                Some(Close::Canceled(_)) => tally.canceled += 1,
                Some(Close::TimedOut(_)) => tally.timed_out += 1,
            }
        }
        tally
    }

    /// Adds a figure to the line.
    pub fn with(mut self, key: &str, value: impl std::fmt::Display) -> Self {
        self.extra.push((key.to_owned(), value.to_string()));
        self
    }

    /// The summary line.
    pub fn line(&self, scenario: &str) -> String {
        let mut line = format!(
            "reliability {scenario}: tasks={} completed={} failed={} canceled={} timed_out={} lost={} duplicates={} open={}",
            self.tasks,
            self.completed,
            self.failed,
            self.canceled,
            self.timed_out,
            self.lost,
            self.duplicates,
            self.open
        );
        for (key, value) in &self.extra {
            let _ = write!(line, " {key}={value}");
        }
        line
    }

    /// Prints the summary line straight to the process's stderr, past the test harness's
    /// capture, so that `cargo test` shows it.
    pub fn print(&self, scenario: &str) {
        print_uncaptured(&self.line(scenario));
    }
}

/// Writes `line` to stderr past the test harness's capture.
pub fn print_uncaptured(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Seconds since the Unix epoch, as history timestamps count.
pub fn epoch_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

/// Notes activities write about themselves, keyed by activity id (ids are unique in the suite).
pub struct Journal<T> {
    entries: Mutex<Option<HashMap<String, Vec<T>>>>,
}

impl<T: Clone> Journal<T> {
    pub const fn new() -> Self {
        Journal {
            entries: Mutex::new(None),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<HashMap<String, Vec<T>>>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Notes `entry` for `id`.
    pub fn note(&self, id: &str, entry: T) {
        self.lock()
            .get_or_insert_with(HashMap::new)
            .entry(id.to_owned())
            .or_default()
            .push(entry);
    }

    /// Every note for `id`.
    pub fn get(&self, id: &str) -> Vec<T> {
        self.lock()
            .as_ref()
            .and_then(|m| m.get(id).cloned())
            .unwrap_or_default()
    }
}

/// The activity id of the task `progress` belongs to.
pub fn activity_id(progress: &swf_activity::Progress) -> String {
    progress
        .task()
        .map(|t| t.activity_id.clone())
        .unwrap_or_default()
}

/// Runs this test binary again as a child process running only `test` (a test that does nothing
/// unless `SWF_RELIABILITY_CHILD` names it), with `env` set.
pub fn child_process(test: &str, env: &[(&str, &str)]) -> std::process::Command {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut command = std::process::Command::new(exe);
    command
        .args([test, "--exact", "--nocapture", "--test-threads", "1"])
        .env("SWF_RELIABILITY_CHILD", test);
    for (key, value) in env {
        command.env(key, value);
    }
    command
}

/// Whether this process is the child [`child_process`] started for `test`.
pub fn is_child(test: &str) -> bool {
    std::env::var("SWF_RELIABILITY_CHILD").is_ok_and(|v| v == test)
}
