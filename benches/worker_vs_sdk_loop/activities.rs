//! The activities both workers run, and the gate that holds sleeping activities.
//!
//! The framework runs them through `#[activity]`; the hand-written loop does nothing for `noop`
//! and calls [`sleep_until_released`] for `sleeper`, so both do the same work per task.
//! `keep_alive` runs on the framework only (the overload case).

use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use swf_activity::activity;
use tokio::sync::watch;

pub const DOMAIN: &str = "worker-bench";
pub const TASK_LIST: &str = "worker-bench";
pub const NOOP: &str = "noop";
pub const SLEEPER: &str = "sleeper";
pub const KEEP_ALIVE: &str = "keep_alive";
pub const VERSION: &str = "1";
/// The heartbeat timeout `keep_alive` is registered with.
pub const KEEP_ALIVE_HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(2);

/// Opens once: every sleeping activity then returns.
static RELEASE: LazyLock<watch::Sender<bool>> = LazyLock::new(|| watch::channel(false).0);
/// Activities sleeping right now.
static SLEEPING: AtomicUsize = AtomicUsize::new(0);
/// Activities that have started sleeping so far: each one's place in line when released.
static ARRIVED: AtomicUsize = AtomicUsize::new(0);
/// Released activities return spread over this, in the order they started, so 10,000 answers do
/// not all go out at once (the release is not measured).
const RELEASE_SPREAD: Duration = Duration::from_secs(5);
const RELEASE_SLOTS: u32 = 10_000;

/// Lets every sleeping activity (and any that starts later) return.
pub fn release_sleepers() {
    RELEASE.send_replace(true);
}

/// How many activities are sleeping.
pub fn sleeping() -> usize {
    SLEEPING.load(Ordering::Relaxed)
}

/// Waits until [`release_sleepers`], then a little more (see [`RELEASE_SPREAD`]).
pub async fn sleep_until_released() {
    SLEEPING.fetch_add(1, Ordering::Relaxed);
    let place = ARRIVED.fetch_add(1, Ordering::Relaxed);
    let mut released = RELEASE.subscribe();
    let _ = released.wait_for(|open| *open).await;
    let slot = u32::try_from(place).unwrap_or(0) % RELEASE_SLOTS;
    tokio::time::sleep(RELEASE_SPREAD / RELEASE_SLOTS * slot).await;
    SLEEPING.fetch_sub(1, Ordering::Relaxed);
}

/// Does nothing.
#[activity(
    version = "1",
    start_to_close_timeout = "5m",
    heartbeat_timeout = "none",
    schedule_to_start_timeout = "none",
    schedule_to_close_timeout = "none"
)]
pub async fn noop() {}

/// Sleeps until the bench releases it.
#[activity(
    version = "1",
    start_to_close_timeout = "10m",
    heartbeat_timeout = "none",
    schedule_to_start_timeout = "none",
    schedule_to_close_timeout = "none"
)]
pub async fn sleeper() {
    sleep_until_released().await;
}

/// Sleeps `millis` milliseconds without reporting: only the worker's heartbeats keep it alive.
#[activity(
    version = "1",
    start_to_close_timeout = "5m",
    heartbeat_timeout = "2s",
    schedule_to_start_timeout = "none",
    schedule_to_close_timeout = "none"
)]
pub async fn keep_alive(millis: u64) {
    tokio::time::sleep(Duration::from_millis(millis)).await;
}
