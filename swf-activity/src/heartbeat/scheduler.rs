//! The scheduler: one loop per engine that sends each task's heartbeats when they fall due.
//!
//! Tasks wait in a timer heap keyed by the instant they next need attention; a wake-up looks only
//! at the tasks whose time has come and at those that signalled something (a report the scheduler
//! asked to hear of, a flush, an answer, a stop), so its work is proportional to what changed, not
//! to the number of running tasks. Due tasks queue by urgency (their heartbeat deadline) for the
//! budget and the in-flight cap; a task whose deadline has already passed waits behind every task
//! that can still be saved.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::time::Instant;

use super::budget::ThrottledBucket;
use super::engine::EngineShared;
use super::signal::EngineSignal;
use super::state::{AnswerEffect, Outgoing, Plan};
use super::transport::{HeartbeatAnswer, HeartbeatError};
use crate::progress::CancelReason;
use crate::progress::state::TaskState;

/// One running task as the scheduler holds it.
struct Slot {
    state: Arc<TaskState>,
    /// Heartbeats per second the task needs, in millionths (as counted in the engine's demand).
    demand: u64,
    /// The instant a timer is armed for; heap entries for other instants are stale.
    timer: Option<Instant>,
    /// In the ready queue since this instant.
    queued_since: Option<Instant>,
}

struct Scheduler {
    shared: Arc<EngineShared>,
    tasks: HashMap<u64, Slot>,
    timers: BinaryHeap<Reverse<(Instant, u64)>>,
    /// Due tasks by urgency.
    ready: BinaryHeap<Reverse<(Instant, u64)>>,
    /// Due tasks past their heartbeat deadline: sent only when nothing more urgent waits.
    late: VecDeque<u64>,
    bucket: ThrottledBucket,
    in_flight: Arc<AtomicUsize>,
    overloaded: bool,
    warned: bool,
    dirty: Vec<u64>,
}

/// Runs the scheduler until the last engine and task handle is dropped.
pub(crate) async fn run(shared: Arc<EngineShared>) {
    let signal = Arc::clone(&shared.signal);
    let mut scheduler = Scheduler {
        bucket: ThrottledBucket::new(shared.config.budget, Instant::now()),
        shared,
        tasks: HashMap::new(),
        timers: BinaryHeap::new(),
        ready: BinaryHeap::new(),
        late: VecDeque::new(),
        in_flight: Arc::new(AtomicUsize::new(0)),
        overloaded: false,
        warned: false,
        dirty: Vec::new(),
    };
    loop {
        if signal.closed.load(Ordering::Acquire) {
            tracing::debug!("heartbeat engine stopped");
            return;
        }
        let now = Instant::now();
        scheduler.admit(now);
        scheduler.absorb_throttling(now);
        scheduler.look_at_signalled(now);
        scheduler.fire_timers(now);
        let token_at = scheduler.send_ready(now);
        scheduler.update_overload(now);
        signal.stats.observe_budget(|| scheduler.bucket.tokens(now));

        let timer_at = scheduler.timers.peek().map(|Reverse((at, _))| *at);
        let next = match (timer_at, token_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match next {
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

impl Scheduler {
    fn signal(&self) -> &EngineSignal {
        &self.shared.signal
    }

    /// Takes in the tasks started since the last wake-up.
    fn admit(&mut self, now: Instant) {
        for (id, state, demand) in self.shared.take_incoming() {
            self.tasks.insert(
                id,
                Slot {
                    state,
                    demand,
                    timer: None,
                    queued_since: None,
                },
            );
            self.look_at(id, now);
        }
    }

    /// ThrottlingException answers slow the budget down.
    fn absorb_throttling(&mut self, now: Instant) {
        if self.signal().throttled_answers.swap(0, Ordering::Relaxed) > 0 {
            self.bucket.back_off(now);
        }
    }

    fn look_at_signalled(&mut self, now: Instant) {
        let mut dirty = std::mem::take(&mut self.dirty);
        self.shared.signal.take_dirty(&mut dirty);
        for &id in &dirty {
            self.look_at(id, now);
        }
        self.dirty = dirty;
    }

    fn fire_timers(&mut self, now: Instant) {
        while let Some(&Reverse((at, id))) = self.timers.peek() {
            if at > now {
                break;
            }
            self.timers.pop();
            let armed = self
                .tasks
                .get_mut(&id)
                .filter(|slot| slot.timer == Some(at));
            if let Some(slot) = armed {
                slot.timer = None;
                self.look_at(id, now);
            }
        }
    }

    /// Asks task `id` what it needs and files it accordingly.
    fn look_at(&mut self, id: u64, now: Instant) {
        let Some(slot) = self.tasks.get_mut(&id) else {
            return;
        };
        let (plan, demand) = {
            let mut heart = slot.state.heart();
            (heart.plan(now), heart.demand_micros())
        };
        if demand != slot.demand {
            let total = &self.shared.signal.demand_micros;
            total.fetch_add(demand, Ordering::AcqRel);
            total.fetch_sub(slot.demand, Ordering::AcqRel);
            slot.demand = demand;
        }
        self.apply(id, plan, now);
    }

    fn apply(&mut self, id: u64, plan: Plan, now: Instant) {
        let Some(slot) = self.tasks.get_mut(&id) else {
            return;
        };
        match plan {
            Plan::Remove => self.remove(id),
            Plan::Expire(reason) => {
                let state = Arc::clone(&slot.state);
                self.remove(id);
                if reason == CancelReason::HeartbeatTimeoutElapsed {
                    self.shared.signal.stats.count_heartbeat_timeout();
                }
                tracing::debug!(task = %state.fingerprint(), %reason, "deadline passed; heartbeats stop");
                state.expire(reason);
            }
            Plan::Send {
                urgency,
                recheck_at,
            } => {
                if slot.queued_since.is_none() {
                    slot.queued_since = Some(now);
                    self.ready.push(Reverse((urgency, id)));
                }
                if let Some(at) = recheck_at {
                    arm(&mut self.timers, slot, id, at);
                }
            }
            Plan::WakeAt(at) => arm(&mut self.timers, slot, id, at),
            Plan::Idle => slot.timer = None,
        }
    }

    fn remove(&mut self, id: u64) {
        if let Some(slot) = self.tasks.remove(&id) {
            self.shared
                .signal
                .demand_micros
                .fetch_sub(slot.demand, Ordering::AcqRel);
        }
    }

    /// Sends due heartbeats while the budget and the in-flight cap allow. Returns when the next
    /// token comes, if tasks wait for one.
    fn send_ready(&mut self, now: Instant) -> Option<Instant> {
        let cap = self.shared.config.max_in_flight.max(1);
        loop {
            if self.in_flight.load(Ordering::Acquire) >= cap {
                // An answer wakes the scheduler.
                return None;
            }
            let (id, keep) = match self.ready.peek() {
                Some(&Reverse((urgency, id))) if urgency < now => {
                    // SWF has most likely timed it out already: others first.
                    self.ready.pop();
                    self.late.push_back(id);
                    continue;
                }
                Some(&Reverse((_, id))) => (id, 0.0),
                // A lost cause only gets a token the budget can spare: half the burst stays for
                // tasks that can still be kept alive.
                None => match self.late.front() {
                    Some(&id) => (id, self.bucket.reserve()),
                    None => return None,
                },
            };
            let Some(slot) = self.tasks.get_mut(&id) else {
                self.pop_queued(id);
                continue;
            };
            let mut heart = slot.state.heart();
            let plan = heart.plan(now);
            if !matches!(plan, Plan::Send { .. }) {
                drop(heart);
                slot.queued_since = None;
                self.pop_queued(id);
                self.apply(id, plan, now);
                continue;
            }
            if let Err(at) = self.bucket.try_take_keeping(now, keep) {
                return Some(at);
            }
            let outgoing = heart.begin_send(now);
            drop(heart);
            let waited = slot.queued_since.take().is_some_and(|since| since < now);
            let state = Arc::clone(&slot.state);
            self.pop_queued(id);
            self.send(state, outgoing, waited);
            // Look again once the answer is due back at the latest.
            self.look_at(id, now);
        }
    }

    /// Removes `id` from the front of whichever queue it heads.
    fn pop_queued(&mut self, id: u64) {
        match self.ready.peek() {
            Some(&Reverse((_, head))) if head == id => {
                self.ready.pop();
            }
            _ => {
                if self.late.front() == Some(&id) {
                    self.late.pop_front();
                }
            }
        }
    }

    /// Starts one heartbeat call.
    fn send(&self, state: Arc<TaskState>, outgoing: Outgoing, waited: bool) {
        // The token lives once, in the task's state; each call gets its own copy.
        let token = state
            .task
            .as_ref()
            .map(|task| task.task_token().to_owned())
            .unwrap_or_default();
        let signal = Arc::clone(&self.shared.signal);
        signal.stats.count_sent(outgoing.retry);
        signal.stats.count_coalesced(outgoing.coalesced);
        if waited {
            signal.stats.count_throttled();
        }
        tracing::debug!(
            task = %state.fingerprint(),
            seq = outgoing.seq,
            retry = outgoing.retry,
            details_chars = outgoing.details.as_ref().map_or(0, |d| d.chars().count()),
            "heartbeat sent"
        );
        let call = self
            .shared
            .transport
            .record_heartbeat(token, outgoing.details);
        let call_timeout = self.shared.config.call_timeout;
        let in_flight = Arc::clone(&self.in_flight);
        in_flight.fetch_add(1, Ordering::AcqRel);
        let seq = outgoing.seq;
        tokio::spawn(async move {
            let answer = match tokio::time::timeout(call_timeout, call).await {
                Ok(answer) => answer,
                Err(_) => Err(HeartbeatError::Transient(format!(
                    "no answer within {call_timeout:?}"
                ))),
            };
            in_flight.fetch_sub(1, Ordering::AcqRel);
            on_answer(&state, &signal, seq, answer);
        });
    }

    /// Stops polling new tasks while the running ones need more heartbeats than the budget
    /// refills, and says so.
    fn update_overload(&mut self, now: Instant) {
        let rate = self.bucket.rate(now);
        let signal = &self.shared.signal;
        signal
            .rate_micros
            .store((rate * 1e6) as u64, Ordering::Release);
        let overloaded = signal.is_overloaded();
        if overloaded == self.overloaded {
            return;
        }
        let demand = signal.demand_micros.load(Ordering::Acquire) as f64 / 1e6;
        self.overloaded = overloaded;
        let budget = self.shared.config.budget;
        if overloaded {
            self.shared.signal.stats.count_overload();
            if !self.warned {
                self.warned = true;
                tracing::warn!(
                    tasks = self.tasks.len(),
                    needed_per_second = demand,
                    refill_per_second = budget.refill_per_second,
                    burst = budget.burst,
                    "the heartbeat budget cannot cover every running task's heartbeat deadline; \
                     no new task is polled until the running ones need less, and tasks nearest \
                     their deadline go first: raise the budget (SWF allows 160/s) or run fewer \
                     tasks per worker"
                );
            } else {
                tracing::info!(
                    tasks = self.tasks.len(),
                    needed_per_second = demand,
                    refill_per_second = rate,
                    "heartbeat budget short again; polling paused"
                );
            }
        } else {
            tracing::info!(
                tasks = self.tasks.len(),
                needed_per_second = demand,
                refill_per_second = rate,
                "heartbeat budget suffices again; polling resumes"
            );
        }
        self.shared.signal.overloaded.send_replace(overloaded);
    }
}

/// Arms `slot`'s timer for `at` unless it already is.
fn arm(timers: &mut BinaryHeap<Reverse<(Instant, u64)>>, slot: &mut Slot, id: u64, at: Instant) {
    if slot.timer != Some(at) {
        slot.timer = Some(at);
        timers.push(Reverse((at, id)));
    }
}

/// Records a heartbeat's answer: cancels, stops or schedules a retry, then lets the scheduler
/// look at the task again.
fn on_answer(
    state: &TaskState,
    signal: &EngineSignal,
    seq: u64,
    answer: Result<HeartbeatAnswer, HeartbeatError>,
) {
    if answer.is_err() {
        signal.stats.count_failed();
    }
    let effect = state.heart().on_answer(seq, &answer, Instant::now());
    match (effect, answer) {
        (AnswerEffect::Cancel(reason), _) => {
            tracing::debug!(task = %state.fingerprint(), "heartbeat answered cancelRequested");
            state.cancel(reason);
        }
        (AnswerEffect::Stop(reason), Err(err)) => {
            if reason == CancelReason::NotPermitted
                && !signal
                    .not_permitted_logged
                    .swap(true, std::sync::atomic::Ordering::Relaxed)
            {
                tracing::warn!(
                    task = %state.fingerprint(),
                    cause = %err,
                    "heartbeat not permitted (OperationNotPermittedFault); heartbeats stop for \
                     this task. Check the IAM policy allows swf:RecordActivityTaskHeartbeat on the domain"
                );
            } else {
                tracing::debug!(task = %state.fingerprint(), cause = %err, %reason, "heartbeats stop");
            }
            state.expire(reason);
        }
        (AnswerEffect::Retry { delay, throttled }, Err(err)) => {
            if throttled {
                signal.stats.count_throttled();
                signal.throttled_answers.fetch_add(1, Ordering::Relaxed);
            }
            tracing::debug!(
                task = %state.fingerprint(),
                cause = %err,
                retry_in_ms = delay.as_millis() as u64,
                "heartbeat failed; retrying"
            );
        }
        _ => {}
    }
    state.beat_notify.notify_waiters();
    state.wake_engine();
}
