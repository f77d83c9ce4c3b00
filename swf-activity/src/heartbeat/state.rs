//! One task's heartbeat state machine: the phase it is in, when its next heartbeat is due, and
//! the transitions that [`Progress`](crate::Progress), the engine and the worker drive.
//!
//! Deciding is kept apart from doing: [`Heart::plan`] only says what should happen next; the
//! scheduler sends, stops and cancels.

use std::time::Duration;

use tokio::time::Instant;

use super::HeartbeatConfig;
use super::schedule::TaskSchedule;
use super::transport::{HeartbeatAnswer, HeartbeatError};
use crate::activity::HeartbeatMode;
use crate::progress::CancelReason;

/// Where one task's heartbeats stand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Waiting for the next due time, a report or a flush.
    Idle,
    /// A heartbeat call is outstanding.
    InFlight { seq: u64, sent_at: Instant },
    /// A failed heartbeat is sent again at this instant.
    Retrying { at: Instant },
    /// No more heartbeats: finished, gone, not permitted or past a deadline.
    Stopped,
}

/// Where the worker's answer for the task stands: heartbeats pause while an answer is on its way
/// and keep the task alive while a failed answer waits to be retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AnswerPhase {
    /// The activity is still running.
    NotStarted,
    /// An answer call is outstanding: no heartbeat may overtake it.
    Sending,
    /// An answer failed and waits for its retry: keep-alive heartbeats only.
    WaitingToRetry,
}

/// The latest reported details and what of them was sent.
#[derive(Debug, Default)]
struct Details {
    /// The latest details as UTF-8 (meaningful once `version` > 0).
    text: Vec<u8>,
    /// Where the next report is rendered; swapped with `text` when accepted, so reports reuse
    /// two buffers instead of allocating.
    scratch: Vec<u8>,
    /// Counts reports.
    version: u64,
    /// The `version` the last heartbeat carried (0: no report sent yet).
    sent_version: u64,
    /// Reports replaced by a newer one before being sent, not yet added to the engine's count.
    coalesced: u64,
}

/// When a task's heartbeats are due, fixed when it starts (and when its real timeouts are
/// learnt).
#[derive(Clone, Copy, Debug)]
struct Timing {
    mode: HeartbeatMode,
    heartbeat_timeout: Option<Duration>,
    interval: Duration,
    started: Instant,
    /// The first keep-alive: one interval after the start, less a random share of it.
    first_due: Instant,
    start_to_close_deadline: Option<Instant>,
    /// Slack added to both deadlines before acting on them.
    margin: Duration,
}

/// While a task's real timeouts are still being read, it heartbeats at least this often, so a
/// heartbeat timeout shorter than the registered one cannot expire meanwhile.
const PROVISIONAL_INTERVAL: Duration = Duration::from_secs(1);

impl Timing {
    fn new(
        schedule: TaskSchedule,
        config: &HeartbeatConfig,
        started: Instant,
        provisional: bool,
    ) -> Self {
        let mut interval = schedule.interval(config);
        if provisional {
            interval = interval.min(PROVISIONAL_INTERVAL);
        }
        let spread = config.first_beat_jitter.clamp(0.0, 1.0);
        let first_due = started + interval.mul_f64(1.0 - spread * fastrand::f64());
        Timing {
            mode: schedule.mode,
            heartbeat_timeout: schedule.heartbeat_timeout,
            interval,
            started,
            first_due,
            start_to_close_deadline: schedule
                .start_to_close_timeout
                .and_then(|timeout| started.checked_add(timeout)),
            margin: config.deadline_margin,
        }
    }

    /// Whether heartbeats go out without reports.
    fn keeps_alive(&self) -> bool {
        self.mode == HeartbeatMode::Auto || self.heartbeat_timeout.is_none()
    }
}

/// What the scheduler should do with a task now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Plan {
    /// Heartbeats are over: forget the task.
    Remove,
    /// A deadline has certainly passed: stop the task's heartbeats and cancel it with the reason.
    Expire(CancelReason),
    /// Send now. `urgency` orders tasks when the budget is short (earliest first); `recheck_at` is
    /// when to look again if it cannot be sent before then.
    Send {
        urgency: Instant,
        recheck_at: Option<Instant>,
    },
    /// Look again at this instant, or earlier if woken.
    WakeAt(Instant),
    /// Nothing to do until something happens (a report, an answer).
    Idle,
}

/// A heartbeat about to be sent.
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub(crate) seq: u64,
    pub(crate) details: Option<String>,
    pub(crate) retry: bool,
    /// Reports folded into this heartbeat since the last one.
    pub(crate) coalesced: u64,
}

/// What a heartbeat's answer asks of the task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AnswerEffect {
    /// Nothing beyond the bookkeeping.
    None,
    /// Cancel the task with this reason (heartbeats go on unless it stops them).
    Cancel(CancelReason),
    /// Stop the task's heartbeats and cancel it with this reason.
    Stop(CancelReason),
    /// The heartbeat failed and is retried after this delay.
    Retry { delay: Duration, throttled: bool },
    /// The task had stopped meanwhile; the answer changes nothing.
    Ignored,
}

/// One task's heartbeat bookkeeping. Its fields are private: the rest of the crate moves it from
/// phase to phase through its methods.
#[derive(Debug)]
pub(crate) struct Heart {
    phase: Phase,
    answer: AnswerPhase,
    timing: Timing,
    details: Details,
    /// A flush waits for the heartbeat with this sequence number (0: none).
    flush_wanted: u64,
    /// The sequence number the next heartbeat gets (starts at 1).
    next_seq: u64,
    /// The sequence number of the last heartbeat answered successfully.
    answered_seq: u64,
    /// When the last heartbeat call started.
    last_sent: Option<Instant>,
    /// When the last heartbeat answered successfully was sent: SWF's heartbeat clock restarted no
    /// earlier than this.
    last_success: Option<Instant>,
    /// Failed attempts in a row.
    attempts: u32,
    /// The scheduler wants to hear of the next report (nothing is pending and a report would
    /// change its plan).
    wake_on_report: bool,
    /// Heartbeats go out on schedule whatever the mode, while the task waits for something
    /// other than its activity (a place on the blocking pool).
    held_alive: bool,
}

impl Heart {
    /// A task that starts at `started` with `schedule`. A `provisional` schedule is one the
    /// worker will [replace](Self::reschedule) once it has read the task's real timeouts: until
    /// then the task heartbeats at least once a second.
    pub(crate) fn new(
        schedule: TaskSchedule,
        config: &HeartbeatConfig,
        started: Instant,
        provisional: bool,
    ) -> Self {
        Heart {
            phase: Phase::Idle,
            answer: AnswerPhase::NotStarted,
            timing: Timing::new(schedule, config, started, provisional),
            details: Details::default(),
            flush_wanted: 0,
            next_seq: 1,
            answered_seq: 0,
            last_sent: None,
            last_success: None,
            attempts: 0,
            wake_on_report: false,
            held_alive: false,
        }
    }

    /// A handle attached to no engine: keeps details, never sends.
    pub(crate) fn detached() -> Self {
        let now = Instant::now();
        let mut heart = Heart::new(
            TaskSchedule {
                heartbeat_timeout: None,
                start_to_close_timeout: None,
                mode: HeartbeatMode::Manual,
            },
            &HeartbeatConfig::default(),
            now,
            false,
        );
        heart.phase = Phase::Stopped;
        heart
    }

    /// Replaces the task's timing once its real timeouts are known, keeping its start.
    pub(crate) fn reschedule(&mut self, schedule: TaskSchedule, config: &HeartbeatConfig) {
        self.timing = Timing::new(schedule, config, self.timing.started, false);
    }

    /// The heartbeat and start-to-close timeouts the task is timed by now.
    pub(crate) fn timeouts(&self) -> (Option<Duration>, Option<Duration>) {
        let start_to_close = self
            .timing
            .start_to_close_deadline
            .map(|deadline| deadline.saturating_duration_since(self.timing.started));
        (self.timing.heartbeat_timeout, start_to_close)
    }

    /// The heartbeat rate this task needs to stay alive, in millionths of a heartbeat per second.
    ///
    /// Only a task with a heartbeat timeout needs its heartbeats to stay alive; the cancel checks
    /// of a task without one may slip under a short budget without losing it, so they count as
    /// nothing here.
    pub(crate) fn demand_micros(&self) -> u64 {
        if self.timing.heartbeat_timeout.is_none() {
            return 0;
        }
        (1e6 / self.timing.interval.as_secs_f64()).round() as u64
    }

    /// The time between two heartbeats of this task.
    pub(crate) fn interval(&self) -> Duration {
        self.timing.interval
    }

    /// Stores new details, which `render` writes (as UTF-8) into an empty buffer; when it fails,
    /// the previous details stay. Returns whether the scheduler asked to be woken by the report.
    pub(crate) fn report<E>(
        &mut self,
        render: impl FnOnce(&mut Vec<u8>) -> Result<(), E>,
    ) -> Result<bool, E> {
        let details = &mut self.details;
        details.scratch.clear();
        render(&mut details.scratch)?;
        std::mem::swap(&mut details.text, &mut details.scratch);
        if details.version > details.sent_version {
            details.coalesced += 1;
        }
        details.version += 1;
        Ok(std::mem::take(&mut self.wake_on_report))
    }

    /// Keeps the task alive on schedule (as in [`HeartbeatMode::Auto`]) while `on`, whatever its
    /// mode.
    pub(crate) fn hold_alive(&mut self, on: bool) {
        self.held_alive = on;
    }

    /// The latest details, sent or not.
    pub(crate) fn details(&self) -> Option<&str> {
        if self.details.version == 0 {
            return None;
        }
        std::str::from_utf8(&self.details.text).ok()
    }

    /// Asks for a heartbeat as soon as the budget allows. Returns the sequence number to wait
    /// for, or `None` when heartbeats have stopped.
    pub(crate) fn request_flush(&mut self) -> Option<u64> {
        if self.phase == Phase::Stopped {
            return None;
        }
        let wanted = self.next_seq;
        self.flush_wanted = self.flush_wanted.max(wanted);
        Some(wanted)
    }

    /// Whether the heartbeat numbered `seq` has been answered, or heartbeats have stopped.
    pub(crate) fn flushed(&self, seq: u64) -> bool {
        self.answered_seq >= seq || self.phase == Phase::Stopped
    }

    /// No more heartbeats. Returns whether this call stopped them.
    pub(crate) fn stop(&mut self) -> bool {
        let was_running = self.phase != Phase::Stopped;
        self.phase = Phase::Stopped;
        was_running
    }

    /// Reports folded away and not yet counted by the engine; counting them resets the tally.
    pub(crate) fn take_coalesced(&mut self) -> u64 {
        std::mem::take(&mut self.details.coalesced)
    }

    /// Records where the worker's answer stands.
    pub(crate) fn set_answer(&mut self, answer: AnswerPhase) {
        self.answer = answer;
    }

    /// When SWF times the task out without a heartbeat, counted from the last heartbeat it
    /// certainly received (no margin): `None` without a heartbeat timeout.
    pub(crate) fn heartbeat_deadline(&self) -> Option<Instant> {
        self.timing
            .heartbeat_timeout
            .map(|timeout| self.last_success.unwrap_or(self.timing.started) + timeout)
    }

    /// The latest instant at which SWF may still accept an answer for the task, as far as the
    /// worker can tell: the earlier of the start-to-close and the heartbeat deadline, plus the
    /// margin. `None` when neither is known.
    pub(crate) fn answer_deadline(&self) -> Option<Instant> {
        let margin = self.timing.margin;
        let start_to_close = self.timing.start_to_close_deadline.map(|d| d + margin);
        let heartbeat = self.heartbeat_deadline().map(|d| d + margin);
        match (start_to_close, heartbeat) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Decides what to do with the task at `now`. Changes nothing but the request to be woken by
    /// the next report.
    pub(crate) fn plan(&mut self, now: Instant) -> Plan {
        if self.phase == Phase::Stopped {
            return Plan::Remove;
        }
        let margin = self.timing.margin;
        let start_to_close = self.timing.start_to_close_deadline.map(|d| d + margin);
        if start_to_close.is_some_and(|deadline| now >= deadline) {
            return Plan::Expire(CancelReason::StartToCloseElapsed);
        }
        let heartbeat_expiry = self.heartbeat_deadline().map(|d| d + margin);
        if heartbeat_expiry.is_some_and(|deadline| now >= deadline) {
            return Plan::Expire(CancelReason::HeartbeatTimeoutElapsed);
        }
        let expiry = match (start_to_close, heartbeat_expiry) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let wait = |at: Option<Instant>| match (at, expiry) {
            (Some(at), Some(expiry)) => Plan::WakeAt(at.min(expiry)),
            (Some(at), None) | (None, Some(at)) => Plan::WakeAt(at),
            (None, None) => Plan::Idle,
        };
        self.wake_on_report = false;
        if matches!(self.phase, Phase::InFlight { .. }) || self.answer == AnswerPhase::Sending {
            // The answer (of the heartbeat or of the task) wakes the scheduler.
            return wait(None);
        }
        let pending = self.details.version > self.details.sent_version;
        let answering = self.answer == AnswerPhase::WaitingToRetry;
        let keep_alive = self.timing.keeps_alive() || answering || self.held_alive;
        let due_at = if let Phase::Retrying { at } = self.phase {
            Some(at)
        } else if answering {
            // Only keep-alives while an answer waits: reports no longer matter.
            Some(
                self.last_sent
                    .map_or(self.timing.first_due, |last| last + self.timing.interval),
            )
        } else if self.flush_wanted >= self.next_seq || (pending && self.details.sent_version == 0)
        {
            // A flush, or the first report: at once.
            Some(now)
        } else {
            // A report matters when nothing is pending and either none has gone out yet or only
            // reports cause heartbeats.
            self.wake_on_report = !pending && (self.details.sent_version == 0 || !keep_alive);
            match self.last_sent {
                None if keep_alive => Some(self.timing.first_due),
                None => None,
                Some(last) if keep_alive || pending => Some(last + self.timing.interval),
                Some(_) => None,
            }
        };
        match due_at {
            Some(due) if due <= now => Plan::Send {
                urgency: self
                    .heartbeat_deadline()
                    .unwrap_or(due + self.timing.interval),
                recheck_at: expiry,
            },
            due => wait(due),
        }
    }

    /// Moves to [`InFlight`](Phase::InFlight) and hands out what the heartbeat carries.
    pub(crate) fn begin_send(&mut self, now: Instant) -> Outgoing {
        let retry = matches!(self.phase, Phase::Retrying { .. });
        let seq = self.next_seq;
        self.next_seq += 1;
        self.phase = Phase::InFlight { seq, sent_at: now };
        self.last_sent = Some(now);
        self.details.sent_version = self.details.version;
        Outgoing {
            seq,
            details: self.details().map(str::to_owned),
            retry,
            coalesced: self.take_coalesced(),
        }
    }

    /// Records the answer to heartbeat `seq`.
    pub(crate) fn on_answer(
        &mut self,
        seq: u64,
        answer: &Result<HeartbeatAnswer, HeartbeatError>,
        now: Instant,
    ) -> AnswerEffect {
        let Phase::InFlight {
            seq: in_flight,
            sent_at,
        } = self.phase
        else {
            return AnswerEffect::Ignored;
        };
        if in_flight != seq {
            return AnswerEffect::Ignored;
        }
        match answer {
            Ok(answer) => {
                self.phase = Phase::Idle;
                self.attempts = 0;
                self.last_success = Some(sent_at);
                self.answered_seq = self.answered_seq.max(seq);
                if answer.cancel_requested {
                    AnswerEffect::Cancel(CancelReason::Requested)
                } else {
                    AnswerEffect::None
                }
            }
            Err(HeartbeatError::TaskGone(_)) => {
                self.phase = Phase::Stopped;
                AnswerEffect::Stop(CancelReason::TaskGone)
            }
            Err(HeartbeatError::NotPermitted(_)) => {
                self.phase = Phase::Stopped;
                AnswerEffect::Stop(CancelReason::NotPermitted)
            }
            Err(err) => {
                self.attempts = self.attempts.saturating_add(1);
                let delay = retry_delay(
                    self.attempts,
                    now,
                    self.timing.interval,
                    self.heartbeat_deadline(),
                );
                self.phase = Phase::Retrying { at: now + delay };
                AnswerEffect::Retry {
                    delay,
                    throttled: matches!(err, HeartbeatError::Throttled(_)),
                }
            }
        }
    }
}

/// Exponential backoff from 200 ms with jitter (half to all of the step), capped at the interval,
/// and kept before the heartbeat deadline while there is time left before it.
fn retry_delay(
    attempts: u32,
    now: Instant,
    interval: Duration,
    deadline: Option<Instant>,
) -> Duration {
    let step = Duration::from_millis(200)
        .saturating_mul(1_u32 << attempts.saturating_sub(1).min(16))
        .min(interval);
    let jittered = step.mul_f64(0.5 + fastrand::f64() * 0.5);
    match deadline {
        Some(deadline) if deadline > now => {
            let left = deadline - now;
            jittered.min(left / 2).max(Duration::from_millis(1))
        }
        _ => jittered.max(Duration::from_millis(1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(heart: &mut Heart, text: &str) {
        heart
            .report(|buffer| {
                buffer.extend_from_slice(text.as_bytes());
                Ok::<(), ()>(())
            })
            .unwrap();
    }

    fn config() -> HeartbeatConfig {
        HeartbeatConfig {
            first_beat_jitter: 0.0,
            ..HeartbeatConfig::default()
        }
    }

    fn schedule(mode: HeartbeatMode) -> TaskSchedule {
        TaskSchedule {
            heartbeat_timeout: Some(Duration::from_secs(10)),
            start_to_close_timeout: Some(Duration::from_secs(60)),
            mode,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_timeouts_shown_are_the_ones_timed_by_including_after_a_reschedule() {
        let now = Instant::now();
        let mut heart = Heart::new(schedule(HeartbeatMode::Auto), &config(), now, true);
        assert_eq!(
            heart.timeouts(),
            (Some(Duration::from_secs(10)), Some(Duration::from_secs(60)))
        );
        tokio::time::advance(Duration::from_secs(3)).await;
        let scheduled = TaskSchedule {
            heartbeat_timeout: None,
            start_to_close_timeout: Some(Duration::from_secs(30)),
            mode: HeartbeatMode::Auto,
        };
        heart.reschedule(scheduled, &config());
        // Counted from the task's start, not from the reschedule.
        assert_eq!(heart.timeouts(), (None, Some(Duration::from_secs(30))));
    }

    #[tokio::test(start_paused = true)]
    async fn no_heartbeat_before_the_first_interval_unless_reported() {
        let now = Instant::now();
        let mut heart = Heart::new(schedule(HeartbeatMode::Auto), &config(), now, false);
        assert_eq!(heart.plan(now), Plan::WakeAt(now + Duration::from_secs(8)));
        report(&mut heart, "x");
        assert!(matches!(heart.plan(now), Plan::Send { .. }));
    }

    #[tokio::test(start_paused = true)]
    async fn an_answer_in_progress_holds_heartbeats_and_a_retry_wait_keeps_alive() {
        let now = Instant::now();
        let mut heart = Heart::new(schedule(HeartbeatMode::Manual), &config(), now, false);
        heart.set_answer(AnswerPhase::Sending);
        report(&mut heart, "late");
        let later = now + Duration::from_secs(9);
        // Only the heartbeat deadline (10 s + 2 s margin) is left to watch.
        assert_eq!(
            heart.plan(later),
            Plan::WakeAt(now + Duration::from_secs(12))
        );
        heart.set_answer(AnswerPhase::WaitingToRetry);
        assert!(matches!(heart.plan(later), Plan::Send { .. }));
    }

    #[tokio::test(start_paused = true)]
    async fn a_manual_task_held_alive_heartbeats_on_schedule_until_released() {
        let now = Instant::now();
        let mut heart = Heart::new(schedule(HeartbeatMode::Manual), &config(), now, false);
        assert_eq!(heart.plan(now), Plan::WakeAt(now + Duration::from_secs(12)));
        heart.hold_alive(true);
        assert_eq!(heart.plan(now), Plan::WakeAt(now + Duration::from_secs(8)));
        assert!(matches!(
            heart.plan(now + Duration::from_secs(8)),
            Plan::Send { .. }
        ));
        heart.hold_alive(false);
        assert_eq!(heart.plan(now), Plan::WakeAt(now + Duration::from_secs(12)));
    }

    #[tokio::test(start_paused = true)]
    async fn deadlines_expire_after_the_margin() {
        let now = Instant::now();
        let mut heart = Heart::new(schedule(HeartbeatMode::Manual), &config(), now, false);
        assert!(!matches!(
            heart.plan(now + Duration::from_millis(11_999)),
            Plan::Expire(_)
        ));
        assert_eq!(
            heart.plan(now + Duration::from_secs(12)),
            Plan::Expire(CancelReason::HeartbeatTimeoutElapsed)
        );
        let sent = heart.begin_send(now + Duration::from_secs(5));
        let effect = heart.on_answer(
            sent.seq,
            &Ok(HeartbeatAnswer::default()),
            now + Duration::from_secs(6),
        );
        assert_eq!(effect, AnswerEffect::None);
        // Counted from when the answered heartbeat was sent.
        assert!(!matches!(
            heart.plan(now + Duration::from_secs(16)),
            Plan::Expire(_)
        ));
        assert_eq!(
            heart.plan(now + Duration::from_secs(17)),
            Plan::Expire(CancelReason::HeartbeatTimeoutElapsed)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn reports_replaced_unsent_are_tallied_until_sent() {
        let now = Instant::now();
        let mut heart = Heart::new(schedule(HeartbeatMode::Auto), &config(), now, false);
        for n in 0..5 {
            report(&mut heart, &n.to_string());
        }
        let sent = heart.begin_send(now);
        assert_eq!(sent.coalesced, 4);
        assert_eq!(sent.details.as_deref(), Some("4"));
        assert_eq!(heart.take_coalesced(), 0);
    }
}
