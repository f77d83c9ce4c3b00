//! Pacing the pollers: a maximum task start rate, and pausing polling.
//!
//! Every poll passes [`PollGate::admit`] just before it starts. The gate holds it back while
//! polling is paused and, with a start rate set, until a token of the rate's bucket is free. The
//! [`PollTicket`] it hands out marks the poll as in flight until it is dropped, so
//! [`PollingControl::pause`] can wait until no poll is out, and gives the token back when the
//! poll brings no task: the rate limits task starts, not polls.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::watch;
use tokio::time::Instant;

use crate::metrics::{self, WorkerLabels};
use crate::token_bucket::TokenBucket;

/// A maximum task start rate: `per_second` starts a second on average, `burst` at once after a
/// quiet period.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct TaskStartRate {
    /// Positive and finite: the builder refuses anything else.
    pub(crate) per_second: f64,
    /// At least 1.
    pub(crate) burst: u32,
}

/// Whether polling is paused, and how many polls are out.
#[derive(Clone, Copy, Debug, Default)]
struct PollingState {
    paused: bool,
    in_flight: usize,
}

struct GateShared {
    state: watch::Sender<PollingState>,
    bucket: Option<Mutex<TokenBucket>>,
    labels: WorkerLabels,
}

impl GateShared {
    fn set_paused(&self, paused: bool) {
        let changed = self.state.send_if_modified(|state| {
            let changed = state.paused != paused;
            state.paused = paused;
            changed
        });
        if changed {
            if paused {
                tracing::info!("polling paused: no new poll starts until resume()");
            } else {
                tracing::info!("polling resumed");
            }
            metrics::polling_paused(&self.labels, paused);
        }
    }
}

/// What every poller of one worker passes before it polls.
#[derive(Clone)]
pub(crate) struct PollGate {
    shared: Arc<GateShared>,
}

/// Why [`PollGate::try_admit`] let no poll start now.
enum Held {
    Paused,
    /// The next token of the start rate's bucket is free at this instant.
    Until(Instant),
}

impl PollGate {
    /// A gate, not paused, limiting starts to `rate` if given.
    pub(crate) fn new(rate: Option<TaskStartRate>, labels: WorkerLabels) -> Self {
        let bucket = rate.map(|rate| {
            Mutex::new(TokenBucket::full(
                f64::from(rate.burst.max(1)),
                rate.per_second,
                Instant::now(),
            ))
        });
        PollGate {
            shared: Arc::new(GateShared {
                state: watch::Sender::new(PollingState::default()),
                bucket,
                labels,
            }),
        }
    }

    /// The handle users pause and resume polling with.
    pub(crate) fn control(&self) -> PollingControl {
        PollingControl {
            shared: Arc::clone(&self.shared),
        }
    }

    /// Whether polling is paused now.
    pub(crate) fn is_paused(&self) -> bool {
        self.shared.state.borrow().paused
    }

    /// Waits until a poll may start: polling not paused and, with a start rate, a token taken.
    ///
    /// Cancel-safe: nothing is taken until it resolves.
    pub(crate) async fn admit(&self) -> PollTicket {
        let mut state = self.shared.state.subscribe();
        loop {
            // The sender lives in `self`, so this cannot fail.
            let _ = state.wait_for(|state| !state.paused).await;
            match self.try_admit(Instant::now()) {
                Ok(ticket) => return ticket,
                Err(Held::Paused) => {}
                Err(Held::Until(at)) => {
                    tracing::trace!(wait = ?at.saturating_duration_since(Instant::now()), "task start rate: waiting for a token");
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        _ = state.wait_for(|state| state.paused) => {}
                    }
                }
            }
        }
    }

    /// Takes a token and marks a poll in flight, both at once, unless polling is paused.
    fn try_admit(&self, now: Instant) -> Result<PollTicket, Held> {
        let mut bucket = self
            .shared
            .bucket
            .as_ref()
            .map(|bucket| bucket.lock().unwrap_or_else(PoisonError::into_inner));
        if let Some(bucket) = bucket.as_mut() {
            bucket.try_take(now).map_err(Held::Until)?;
        }
        let admitted = self.shared.state.send_if_modified(|state| {
            if state.paused {
                return false;
            }
            state.in_flight += 1;
            true
        });
        if !admitted {
            if let Some(bucket) = bucket.as_mut() {
                bucket.give_back(now);
            }
            return Err(Held::Paused);
        }
        Ok(PollTicket {
            shared: Arc::clone(&self.shared),
        })
    }
}

/// One poll in flight, from [`PollGate::admit`] until it is dropped.
/// With a start rate, it holds a token of the rate's bucket.
pub(crate) struct PollTicket {
    shared: Arc<GateShared>,
}

impl PollTicket {
    /// The poll started no task (it came back empty or failed): its token goes back to the start
    /// rate's bucket.
    pub(crate) fn no_task_started(self) {
        if let Some(bucket) = &self.shared.bucket {
            bucket
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .give_back(Instant::now());
        }
    }
}

impl Drop for PollTicket {
    fn drop(&mut self) {
        self.shared.state.send_modify(|state| {
            state.in_flight = state.in_flight.saturating_sub(1);
        });
    }
}

/// Pauses and resumes a worker's polling, as AWS Flow for Java's `suspendPolling` and
/// `resumePolling` do. Get it from [`Worker::polling_control`](super::Worker::polling_control);
/// clones control the same worker.
///
/// While polling is paused:
///
/// - no new poll starts, so the worker takes no new task; the tasks stay scheduled in SWF, where
///   their schedule-to-start timeouts keep running;
/// - a long poll already in flight is **not** aborted (SWF may already be handing it a task,
///   which would then sit open until it timed out). SWF holds such a poll up to 60 s; if it
///   brings a task, that task runs as usual. [`pause`](Self::pause) resolves once every poll in
///   flight has returned;
/// - running tasks go on: they keep heartbeating, see cancellation and are answered;
/// - shutdown works as usual, and the worker stops without resuming.
///
/// A worker can be paused before it runs: it then starts with polling paused. The state is also
/// in [`WorkerStats::polling_paused`](super::WorkerStats::polling_paused) and, with the `metrics`
/// feature, the gauge [`POLLING_PAUSED`](crate::metrics::POLLING_PAUSED).
///
/// ```no_run
/// # async fn example(worker: swf_activity::worker::Worker) {
/// let control = worker.polling_control();
/// tokio::spawn(async move {
///     // The downstream is down: take no new task until it is back.
///     control.pause().await;
///     // ... no poll is in flight here, and none starts ...
///     control.resume();
/// });
/// worker.run().await.expect("the worker runs");
/// # }
/// ```
#[derive(Clone)]
pub struct PollingControl {
    shared: Arc<GateShared>,
}

impl PollingControl {
    /// Pauses polling at once; the future resolves once no poll is in flight (up to SWF's 60 s
    /// long poll, plus the time to start a task such a poll brings).
    ///
    /// Polling stays paused whether or not the future is awaited or dropped, until
    /// [`resume`](Self::resume). Pausing a paused worker changes nothing.
    pub fn pause(&self) -> impl Future<Output = ()> + Send + 'static {
        self.shared.set_paused(true);
        let mut state = self.shared.state.subscribe();
        async move {
            // Fails only once the worker and every control are dropped: nothing is in flight.
            let _ = state.wait_for(|state| state.in_flight == 0).await;
        }
    }

    /// Resumes polling. Resuming a worker that is not paused changes nothing.
    pub fn resume(&self) {
        self.shared.set_paused(false);
    }

    /// Whether polling is paused.
    pub fn is_paused(&self) -> bool {
        self.shared.state.borrow().paused
    }
}

impl std::fmt::Debug for PollingControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = *self.shared.state.borrow();
        f.debug_struct("PollingControl")
            .field("paused", &state.paused)
            .field("polls_in_flight", &state.in_flight)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Every wait in these tests is bounded by this (free under paused time).
    const LIMIT: Duration = Duration::from_secs(600);

    fn gate(rate: Option<TaskStartRate>) -> PollGate {
        PollGate::new(rate, WorkerLabels::default())
    }

    async fn admit(gate: &PollGate) -> PollTicket {
        tokio::time::timeout(LIMIT, gate.admit())
            .await
            .expect("admitted in time")
    }

    #[tokio::test(start_paused = true)]
    async fn starts_are_spaced_by_the_rate_after_the_burst() {
        let gate = gate(Some(TaskStartRate {
            per_second: 4.0,
            burst: 2,
        }));
        let begun = Instant::now();
        let mut at = Vec::new();
        for _ in 0..6 {
            let ticket = admit(&gate).await;
            at.push(begun.elapsed());
            drop(ticket); // the poll brought a task: its token stays spent
        }
        let ms: Vec<u128> = at.iter().map(Duration::as_millis).collect();
        assert_eq!(ms, [0, 0, 250, 500, 750, 1000]);
    }

    #[tokio::test(start_paused = true)]
    async fn empty_polls_give_their_token_back() {
        let gate = gate(Some(TaskStartRate {
            per_second: 1.0,
            burst: 1,
        }));
        let begun = Instant::now();
        for _ in 0..5 {
            admit(&gate).await.no_task_started();
        }
        assert_eq!(begun.elapsed(), Duration::ZERO);
        drop(admit(&gate).await);
        admit(&gate).await.no_task_started();
        assert_eq!(begun.elapsed(), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn no_poll_starts_while_paused_and_polls_start_on_resume() {
        let gate = gate(None);
        let control = gate.control();
        tokio::time::timeout(LIMIT, control.pause())
            .await
            .expect("nothing in flight");
        assert!(control.is_paused() && gate.is_paused());
        let waiting = tokio::spawn({
            let gate = gate.clone();
            async move {
                let ticket = gate.admit().await;
                (Instant::now(), ticket)
            }
        });
        tokio::time::sleep(Duration::from_secs(30)).await;
        assert!(!waiting.is_finished(), "a poll started while paused");
        let resumed_at = Instant::now();
        control.resume();
        let (admitted_at, _ticket) = tokio::time::timeout(LIMIT, waiting)
            .await
            .expect("admitted in time")
            .expect("the poller ran");
        assert_eq!(admitted_at, resumed_at);
        assert!(!control.is_paused());
    }

    #[tokio::test(start_paused = true)]
    async fn pause_resolves_once_the_polls_in_flight_return() {
        let gate = gate(None);
        let control = gate.control();
        let first = admit(&gate).await;
        let second = admit(&gate).await;
        let begun = Instant::now();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(20)).await;
            first.no_task_started();
            tokio::time::sleep(Duration::from_secs(40)).await;
            drop(second);
        });
        tokio::time::timeout(LIMIT, control.pause())
            .await
            .expect("the polls return");
        assert_eq!(begun.elapsed(), Duration::from_secs(60));
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_while_waiting_for_a_token_holds_the_poll_until_resume() {
        let gate = gate(Some(TaskStartRate {
            per_second: 1.0,
            burst: 1,
        }));
        let control = gate.control();
        drop(admit(&gate).await);
        let waiting = tokio::spawn({
            let gate = gate.clone();
            async move {
                let _ticket = gate.admit().await;
                Instant::now()
            }
        });
        let begun = Instant::now();
        tokio::time::sleep(Duration::from_millis(500)).await;
        tokio::time::timeout(LIMIT, control.pause())
            .await
            .expect("nothing in flight");
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(!waiting.is_finished(), "a poll started while paused");
        control.resume();
        let admitted_at = tokio::time::timeout(LIMIT, waiting)
            .await
            .expect("admitted in time")
            .expect("the poller ran");
        assert_eq!(admitted_at - begun, Duration::from_millis(5500));
    }
}
