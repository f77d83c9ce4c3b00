//! [`HeartbeatEngine`]: the scheduler that turns every running task's progress into heartbeats.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::time::Instant;

use super::HeartbeatConfig;
use super::schedule::TaskSchedule;
use super::scheduler::run;
use super::signal::{Counters, EngineSignal, HeartbeatStats};
use super::state::Heart;
use super::task::TaskHeartbeat;
use super::transport::HeartbeatTransport;
use crate::progress::state::{EngineLink, TaskState};
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

/// A task started since the scheduler last looked: its number, state, and the demand already
/// counted for it.
pub(crate) type Incoming = (u64, Arc<TaskState>, u64);

/// What the handles and the scheduler share.
pub(crate) struct EngineShared {
    pub(crate) transport: Arc<dyn HeartbeatTransport>,
    pub(crate) config: Arc<HeartbeatConfig>,
    pub(crate) signal: Arc<EngineSignal>,
    /// Tasks started since the scheduler last looked.
    incoming: Mutex<Vec<Incoming>>,
    next_id: AtomicU64,
}

impl EngineShared {
    /// The tasks started since the last call.
    pub(crate) fn take_incoming(&self) -> Vec<Incoming> {
        std::mem::take(&mut *self.incoming.lock().unwrap_or_else(PoisonError::into_inner))
    }
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
    pub fn new(transport: impl HeartbeatTransport, config: HeartbeatConfig) -> Self {
        let engine = Self::build(Arc::new(transport), config);
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
    pub fn on_current_runtime(transport: impl HeartbeatTransport, config: HeartbeatConfig) -> Self {
        if tokio::runtime::Handle::try_current().is_err() {
            tracing::warn!(
                "HeartbeatEngine::on_current_runtime outside a tokio runtime: using a dedicated thread"
            );
            return Self::new(transport, config);
        }
        let engine = Self::build(Arc::new(transport), config);
        engine.spawn_on_current_runtime();
        engine
    }

    fn build(transport: Arc<dyn HeartbeatTransport>, config: HeartbeatConfig) -> Self {
        let signal = Arc::new(EngineSignal::default());
        signal.rate_micros.store(
            u64::from(config.budget.refill_per_second.max(1)) * 1_000_000,
            Ordering::Release,
        );
        HeartbeatEngine {
            shared: Arc::new(EngineShared {
                transport,
                config: Arc::new(config),
                signal: Arc::clone(&signal),
                incoming: Mutex::new(Vec::new()),
                next_id: AtomicU64::new(1),
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
        self.start_task_at(task, schedule, Instant::now())
    }

    /// Starts heartbeats for a task that started at `started`: SWF's heartbeat and start-to-close
    /// clocks run from when the poll returned the task, so the worker passes that instant.
    pub fn start_task_at(
        &self,
        task: ActivityTask,
        schedule: TaskSchedule,
        started: Instant,
    ) -> TaskHeartbeat {
        self.start(task, schedule, started, false)
    }

    /// Like [`start_task_at`](Self::start_task_at), for a task whose real timeouts are still
    /// being read: it heartbeats at least once a second until
    /// [`TaskHeartbeat::reschedule`] gives them.
    pub(crate) fn start_task_provisionally(
        &self,
        task: ActivityTask,
        schedule: TaskSchedule,
        started: Instant,
    ) -> TaskHeartbeat {
        self.start(task, schedule, started, true)
    }

    fn start(
        &self,
        task: ActivityTask,
        schedule: TaskSchedule,
        started: Instant,
        provisional: bool,
    ) -> TaskHeartbeat {
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let heart = Heart::new(schedule, &self.shared.config, started, provisional);
        // Counted now, so a poller asking a moment later already sees this task's need.
        let demand = heart.demand_micros();
        self.shared
            .signal
            .demand_micros
            .fetch_add(demand, Ordering::AcqRel);
        tracing::debug!(
            task = %task.token_fingerprint(),
            interval_ms = heart.interval().as_millis() as u64,
            heartbeat_timeout = ?schedule.heartbeat_timeout,
            mode = ?schedule.mode,
            "heartbeats started"
        );
        let link = EngineLink {
            signal: Arc::clone(&self.shared.signal),
            id,
        };
        let state = Arc::new(TaskState::new(Some(task), Some(link), heart));
        self.shared
            .incoming
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((id, Arc::clone(&state), demand));
        self.shared.signal.wake.notify_one();
        TaskHeartbeat::new(
            state,
            Arc::clone(&self.shared.config),
            Arc::clone(&self.life),
        )
    }

    /// Whether the running tasks need more heartbeats per second than the budget refills. A
    /// worker polls no new task while this holds.
    pub fn is_overloaded(&self) -> bool {
        self.shared.signal.is_overloaded()
    }

    /// Resolves once the engine is not overloaded (at once if it is not).
    pub(crate) async fn until_not_overloaded(&self) {
        let mut changes = self.shared.signal.overloaded.subscribe();
        while self.is_overloaded() {
            // The scheduler announces when the running tasks need less; the timer covers a
            // change it has not announced yet.
            tokio::select! {
                _ = changes.changed() => {}
                () = tokio::time::sleep(std::time::Duration::from_millis(100)) => {}
            }
        }
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
