//! [`HeartbeatEngine`]: the scheduler that turns every running task's progress into heartbeats.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::HeartbeatConfig;
use super::budget::TokenBucket;
use super::schedule::{Entry, Plan, TaskSchedule};
use super::signal::{Counters, EngineSignal, HeartbeatStats};
use super::task::TaskHeartbeat;
use super::transport::{HeartbeatAnswer, HeartbeatError, HeartbeatTransport};
use crate::progress::CancelReason;
use crate::progress::state::TaskState;
use crate::task::ActivityTask;

/// Sends the heartbeats of all of one worker's running tasks, within one shared
/// [`HeartbeatBudget`](super::HeartbeatBudget). Cheap to clone; the engine stops when the last
/// clone and the last [`TaskHeartbeat`] are dropped.
///
/// See the [module documentation](super) for what it sends when.
#[derive(Clone, Debug)]
pub struct HeartbeatEngine {
    shared: Arc<EngineShared>,
    life: Arc<Lifetime>,
}

/// What the handles and the scheduler share.
struct EngineShared {
    transport: Arc<dyn HeartbeatTransport>,
    config: HeartbeatConfig,
    signal: Arc<EngineSignal>,
    /// Tasks started since the scheduler last looked.
    incoming: Mutex<Vec<Entry>>,
}

impl std::fmt::Debug for EngineShared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineShared")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Held by every engine handle and task handle; the scheduler exits once all are dropped.
#[derive(Debug)]
pub(crate) struct Lifetime {
    signal: Arc<EngineSignal>,
}

impl Drop for Lifetime {
    fn drop(&mut self) {
        self.signal.closed.store(true, Ordering::Release);
        self.signal.wake.notify_one();
    }
}

impl HeartbeatEngine {
    /// An engine running on a dedicated thread with its own single-threaded tokio runtime, so
    /// activity code that blocks its executor's threads cannot delay heartbeats. For production.
    ///
    /// If the thread or its runtime cannot be created (the system is out of threads), the error
    /// is logged and the engine falls back to the caller's runtime when there is one.
    pub fn new(transport: Arc<dyn HeartbeatTransport>, config: HeartbeatConfig) -> Self {
        let engine = Self::build(transport, config);
        let shared = Arc::clone(&engine.shared);
        let spawned = std::thread::Builder::new()
            .name("swf-heartbeat".to_owned())
            .spawn(move || {
                match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime.block_on(run(shared)),
                    Err(err) => tracing::error!(
                        error = %err,
                        "cannot build the heartbeat runtime; no heartbeats will be sent"
                    ),
                }
            });
        if let Err(err) = spawned {
            tracing::error!(error = %err, "cannot start the heartbeat thread");
            engine.spawn_on_current_runtime();
        }
        engine
    }

    /// An engine spawned as a task on the caller's tokio runtime. Activity code that blocks that
    /// runtime's threads delays heartbeats, so this is for tests: under paused time
    /// (`#[tokio::test(start_paused = true)]`) heartbeat timing is exact and instant, which a
    /// dedicated thread cannot offer. [`ActivityEnvironment`](crate::testing::ActivityEnvironment)
    /// uses it.
    ///
    /// Called outside a tokio runtime it logs a warning and runs on a dedicated thread like
    /// [`new`](Self::new).
    pub fn on_current_runtime(
        transport: Arc<dyn HeartbeatTransport>,
        config: HeartbeatConfig,
    ) -> Self {
        if tokio::runtime::Handle::try_current().is_err() {
            tracing::warn!(
                "HeartbeatEngine::on_current_runtime outside a tokio runtime: using a dedicated thread"
            );
            return Self::new(transport, config);
        }
        let engine = Self::build(transport, config);
        engine.spawn_on_current_runtime();
        engine
    }

    fn build(transport: Arc<dyn HeartbeatTransport>, config: HeartbeatConfig) -> Self {
        let signal = Arc::new(EngineSignal::default());
        HeartbeatEngine {
            shared: Arc::new(EngineShared {
                transport,
                config,
                signal: Arc::clone(&signal),
                incoming: Mutex::new(Vec::new()),
            }),
            life: Arc::new(Lifetime { signal }),
        }
    }

    fn spawn_on_current_runtime(&self) {
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn(run(Arc::clone(&self.shared)));
            }
            Err(_) => tracing::error!("no tokio runtime to run heartbeats on; none will be sent"),
        }
    }

    /// The engine's configuration.
    pub fn config(&self) -> &HeartbeatConfig {
        &self.shared.config
    }

    /// Starts heartbeats for a task that starts now. The worker keeps the returned handle while
    /// the task runs and drops or [finishes](TaskHeartbeat::finish) it when answering the task.
    pub fn start_task(&self, task: ActivityTask, schedule: TaskSchedule) -> TaskHeartbeat {
        let started = Instant::now();
        let token = task.task_token().to_owned();
        let state = Arc::new(TaskState::new(
            Some(task),
            Some(Arc::clone(&self.shared.signal)),
        ));
        let entry = Entry {
            state: Arc::clone(&state),
            token,
            mode: schedule.mode,
            heartbeat_timeout: schedule.heartbeat_timeout,
            interval: schedule.interval(&self.shared.config),
            started,
            start_to_close_deadline: schedule
                .start_to_close_timeout
                .and_then(|timeout| started.checked_add(timeout)),
        };
        tracing::debug!(
            task = %state.fingerprint(),
            interval_ms = entry.interval.as_millis() as u64,
            heartbeat_timeout = ?schedule.heartbeat_timeout,
            mode = ?schedule.mode,
            "heartbeats started"
        );
        self.shared
            .incoming
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(entry);
        self.shared.signal.wake.notify_one();
        TaskHeartbeat::new(state, Arc::clone(&self.life))
    }

    /// What the engine did so far.
    pub fn stats(&self) -> HeartbeatStats {
        self.shared.signal.stats.snapshot()
    }

    /// The engine's counters, for the worker to label their metrics.
    pub(crate) fn counters(&self) -> &Counters {
        &self.shared.signal.stats
    }
}

/// The scheduler: one loop that looks at every task when woken or when the next one is due.
async fn run(shared: Arc<EngineShared>) {
    let signal = Arc::clone(&shared.signal);
    let budget = shared.config.budget;
    let mut bucket = TokenBucket::new(budget, Instant::now());
    let mut tasks: Vec<Entry> = Vec::new();
    let mut demand = 0.0_f64;
    let mut warned = false;
    loop {
        if signal.closed.load(Ordering::Acquire) {
            tracing::debug!("heartbeat engine stopped");
            return;
        }
        let incoming = std::mem::take(
            &mut *shared
                .incoming
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        if !incoming.is_empty() {
            demand += incoming.iter().map(Entry::demand).sum::<f64>();
            tasks.extend(incoming);
            let refill = f64::from(budget.refill_per_second.max(1));
            if demand > refill && !warned {
                warned = true;
                tracing::warn!(
                    tasks = tasks.len(),
                    needed_per_second = demand,
                    refill_per_second = budget.refill_per_second,
                    burst = budget.burst,
                    "the heartbeat budget cannot cover every running task's heartbeat deadline; \
                     tasks nearest their deadline go first, others may time out: raise the budget \
                     (SWF allows 160/s) or run fewer tasks per worker"
                );
            }
        }

        let now = Instant::now();
        let mut next_wake: Option<Instant> = None;
        let mut due: Vec<(Instant, usize)> = Vec::new();
        let mut removed = false;
        let mut keep = vec![true; tasks.len()];
        for (index, entry) in tasks.iter().enumerate() {
            match entry.plan(now) {
                Plan::Remove => {
                    keep[index] = false;
                    removed = true;
                }
                Plan::Due { key } => due.push((key, index)),
                Plan::At(at) => next_wake = Some(next_wake.map_or(at, |t| t.min(at))),
                Plan::Idle => {}
            }
        }
        due.sort_unstable_by_key(|&(key, _)| key);
        for (_, index) in due {
            let Some(entry) = tasks.get(index) else {
                continue;
            };
            match bucket.try_take(now) {
                Ok(()) => start_send(&shared, entry, now),
                Err(at) => {
                    let mut beat = entry.state.beat();
                    if !beat.waiting_for_budget {
                        beat.waiting_for_budget = true;
                        signal.stats.count_throttled();
                        tracing::trace!(task = %entry.state.fingerprint(), "heartbeat waits for the budget");
                    }
                    next_wake = Some(next_wake.map_or(at, |t| t.min(at)));
                }
            }
        }
        signal.stats.observe_budget(&bucket, now);
        if removed {
            let mut index = 0;
            tasks.retain(|entry| {
                let kept = keep.get(index).copied().unwrap_or(true);
                index += 1;
                if !kept {
                    demand -= entry.demand();
                }
                kept
            });
            if tasks.is_empty() {
                demand = 0.0;
            }
        }

        match next_wake {
            Some(at) => {
                tokio::select! {
                    () = tokio::time::sleep_until(at) => {}
                    () = signal.wake.notified() => {}
                }
            }
            None => signal.wake.notified().await,
        }
    }
}

/// Starts one heartbeat call for `entry`, carrying its latest details.
fn start_send(shared: &EngineShared, entry: &Entry, now: Instant) {
    let (details, seq, retry) = {
        let mut beat = entry.state.beat();
        beat.in_flight = true;
        beat.waiting_for_budget = false;
        beat.wake_on_report = false;
        beat.last_sent = Some(now);
        beat.sent_version = beat.version;
        let seq = beat.next_seq;
        beat.next_seq += 1;
        (beat.details.clone(), seq, beat.retry_at.take().is_some())
    };
    shared.signal.stats.count_sent(retry);
    tracing::debug!(
        task = %entry.state.fingerprint(),
        seq,
        retry,
        details_chars = details.as_ref().map_or(0, |d| d.chars().count()),
        "heartbeat sent"
    );
    let call = shared
        .transport
        .record_heartbeat(entry.token.clone(), details);
    let state = Arc::clone(&entry.state);
    let signal = Arc::clone(&shared.signal);
    let timing = RetryTiming {
        interval: entry.interval,
        deadline: entry.heartbeat_timeout.map(|timeout| {
            let beat = state.beat();
            beat.last_success.unwrap_or(entry.started) + timeout
        }),
    };
    let call_timeout = shared.config.call_timeout;
    tokio::spawn(async move {
        let answer = match tokio::time::timeout(call_timeout, call).await {
            Ok(answer) => answer,
            Err(_) => Err(HeartbeatError::Transient(format!(
                "no answer within {call_timeout:?}"
            ))),
        };
        on_answer(&state, &signal, answer, seq, now, timing);
    });
}

/// What bounds the retry of a failed heartbeat.
#[derive(Clone, Copy, Debug)]
struct RetryTiming {
    interval: Duration,
    /// When SWF times the task out without a heartbeat.
    deadline: Option<Instant>,
}

/// Records a heartbeat's answer: cancels, stops or schedules a retry.
fn on_answer(
    state: &TaskState,
    signal: &EngineSignal,
    answer: Result<HeartbeatAnswer, HeartbeatError>,
    seq: u64,
    sent_at: Instant,
    timing: RetryTiming,
) {
    let now = Instant::now();
    match answer {
        Ok(answer) => {
            {
                let mut beat = state.beat();
                beat.in_flight = false;
                beat.attempts = 0;
                beat.last_success = Some(sent_at);
                beat.answered_seq = beat.answered_seq.max(seq);
            }
            if answer.cancel_requested {
                tracing::debug!(task = %state.fingerprint(), "heartbeat answered cancelRequested");
                state.cancel(CancelReason::Requested);
            }
        }
        Err(err) => {
            signal.stats.count_failed();
            match err {
                HeartbeatError::TaskGone(cause) => {
                    tracing::debug!(task = %state.fingerprint(), %cause, "task gone; heartbeats stop");
                    state.beat().in_flight = false;
                    state.stop();
                    state.cancel(CancelReason::TaskGone);
                }
                HeartbeatError::NotPermitted(cause) => {
                    if !signal.not_permitted_logged.swap(true, Ordering::Relaxed) {
                        tracing::warn!(
                            task = %state.fingerprint(),
                            %cause,
                            "heartbeat not permitted (OperationNotPermittedFault); heartbeats stop for \
                             this task. Check the IAM policy allows swf:RecordActivityTaskHeartbeat on the domain"
                        );
                    } else {
                        tracing::debug!(task = %state.fingerprint(), "heartbeat not permitted; heartbeats stop");
                    }
                    state.beat().in_flight = false;
                    state.stop();
                    state.cancel(CancelReason::NotPermitted);
                }
                HeartbeatError::Throttled(cause) => {
                    signal.stats.count_throttled();
                    schedule_retry(state, &cause, now, timing);
                }
                HeartbeatError::Transient(cause) => schedule_retry(state, &cause, now, timing),
            }
        }
    }
    state.beat_notify.notify_waiters();
    signal.wake.notify_one();
}

/// Schedules the retry of a heartbeat that failed with a throttling or transient error.
fn schedule_retry(state: &TaskState, cause: &str, now: Instant, timing: RetryTiming) {
    let delay = {
        let mut beat = state.beat();
        beat.in_flight = false;
        beat.attempts = beat.attempts.saturating_add(1);
        let delay = retry_delay(beat.attempts, now, timing);
        beat.retry_at = Some(now + delay);
        delay
    };
    tracing::debug!(
        task = %state.fingerprint(),
        %cause,
        retry_in_ms = delay.as_millis() as u64,
        "heartbeat failed; retrying"
    );
}

/// Exponential backoff from 200 ms with jitter (half to all of the step), capped at the interval,
/// and kept before the heartbeat deadline while there is time left before it.
fn retry_delay(attempts: u32, now: Instant, timing: RetryTiming) -> Duration {
    let step = Duration::from_millis(200)
        .saturating_mul(1_u32 << attempts.saturating_sub(1).min(16))
        .min(timing.interval);
    let jittered = step.mul_f64(0.5 + fastrand::f64() * 0.5);
    match timing.deadline {
        Some(deadline) if deadline > now => {
            let left = deadline - now;
            jittered.min(left / 2).max(Duration::from_millis(1))
        }
        _ => jittered.max(Duration::from_millis(1)),
    }
}
