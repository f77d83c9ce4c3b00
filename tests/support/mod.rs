//! What the end-to-end tests share: an in-process SWF endpoint with their domain registered, a
//! worker run through a scenario, and readings of the histories the endpoint recorded.

use std::time::Duration;

use swf_activity::local::{LocalSwf, LocalSwfBuilder};
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
