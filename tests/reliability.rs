//! The reliability suite: the worker against `swf-local` over HTTP on 127.0.0.1, under injected
//! faults, an outage, a shutdown under load, stuck activities, hostile inputs, and with every log
//! line captured. Each scenario is checked from the workflow histories and what the endpoint (or
//! the test's own proxy) recorded, never from the worker's counters, and prints one line:
//!
//! ```text
//! reliability <scenario>: tasks=N completed=N failed=N canceled=N timed_out=N lost=N duplicates=N ...
//! ```
//!
//! `cargo test --test reliability -- --nocapture` shows the lines. The scenarios run one at a time
//! (they take a shared lock), so that throughput figures are not measured against each other.
//! `SWF_RELIABILITY_HEAVY=1` runs the larger sizes.

#[path = "reliability/common.rs"]
mod common;
#[path = "reliability/faults.rs"]
mod faults;
#[path = "reliability/hostile_inputs.rs"]
mod hostile_inputs;
#[path = "reliability/outage.rs"]
mod outage;
#[path = "reliability/proxy.rs"]
mod proxy;
#[path = "reliability/secrets.rs"]
mod secrets;
#[path = "reliability/shutdown_under_load.rs"]
mod shutdown_under_load;
#[path = "reliability/stuck_activities.rs"]
mod stuck_activities;
