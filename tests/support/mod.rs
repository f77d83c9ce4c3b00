//! What the end-to-end tests share: an in-process SWF endpoint with their domain registered, a
//! worker run through a scenario, and readings of the histories the endpoint recorded.

use std::time::Duration;

use swf_activity::local::{HistoryEvent, LocalSwf, LocalSwfBuilder};
use swf_activity::registration::register_domain;
use swf_activity::worker::Worker;

/// Starts the endpoint `builder` describes on a free loopback port and registers `domain` on it
/// over HTTP, as a user's program would.
pub async fn endpoint_with_domain(builder: LocalSwfBuilder, domain: &str) -> LocalSwf {
    let local = builder.start().await.expect("the local endpoint starts");
    let client = aws_sdk_swf::Client::new(local.sdk_config());
    register_domain(&client, domain, 1)
        .await
        .expect("domain registers");
    local
}

/// Registers `worker`'s activity types, runs the worker while `scenario` schedules tasks and
/// waits for them, then shuts the worker down and checks that it stopped cleanly. Both must be
/// done within `limit`.
pub async fn run_scenario<T>(
    worker: &Worker,
    limit: Duration,
    scenario: impl Future<Output = T>,
) -> T {
    worker
        .register_activity_types()
        .await
        .expect("types register");
    let handle = worker.shutdown_handle();
    let scenario = async {
        let ended = scenario.await;
        handle.shutdown();
        ended
    };
    let (result, ended) = tokio::time::timeout(limit, async {
        tokio::join!(worker.run_until(std::future::pending()), scenario)
    })
    .await
    .expect("the scenario ends in time");
    result.expect("the worker stops cleanly");
    ended
}

/// The events of `event_type` in `history`, oldest first.
pub fn events_of_type<'a>(history: &'a [HistoryEvent], event_type: &str) -> Vec<&'a HistoryEvent> {
    history
        .iter()
        .filter(|event| event.event_type() == event_type)
        .collect()
}

/// When the endpoint recorded the first event of `event_type` in `history`, in seconds since the
/// epoch; `None` when the history holds no such event.
pub fn recorded_at(history: &[HistoryEvent], event_type: &str) -> Option<f64> {
    history
        .iter()
        .find(|event| event.event_type() == event_type)
        .map(|event| event.event_timestamp)
}
