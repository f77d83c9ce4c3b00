//! What the end-to-end tests share: an in-process SWF endpoint with their domain registered.

use swf_activity::local::{LocalSwf, LocalSwfBuilder};
use swf_activity::registration::register_domain;

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
