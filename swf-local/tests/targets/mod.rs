//! The endpoints the scenario suites (`conformance.rs`, `decider_api.rs`) run against: swf-local
//! in-process, and moto server when `SWF_CONFORMANCE_MOTO_URL` names one (see `.ci/conformance`).

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_swf::Client;
use aws_sdk_swf::types::{HistoryEvent, TaskList, WorkflowExecution};
use aws_types::SdkConfig;
use aws_types::region::Region;
use swf_local::LocalSwf;

/// Names moto server's URL, e.g. `http://127.0.0.1:5000`.
pub const MOTO_ENV: &str = "SWF_CONFORMANCE_MOTO_URL";

/// One endpoint, with a domain of the suite's own.
pub struct Target {
    pub name: &'static str,
    pub swf: Client,
    pub domain: String,
}

impl Target {
    pub fn is_moto(&self) -> bool {
        self.name == "moto"
    }

    /// swf-local in-process, idle polls answered after 1 s; keep the endpoint alive while the
    /// target is used. `suite` names the domain and the credentials.
    pub async fn swf_local(suite: &str) -> (LocalSwf, Target) {
        let local = LocalSwf::builder()
            .poll_timeout(Duration::from_secs(1))
            .start()
            .await
            .expect("start swf-local");
        let target = Target {
            name: "swf-local",
            swf: client(local.url()),
            domain: unique_domain(suite),
        };
        (local, target)
    }

    /// Moto server, when [`MOTO_ENV`] names one; `None` (with a line saying how to set it)
    /// otherwise.
    pub fn moto(suite: &str) -> Option<Target> {
        let Ok(url) = std::env::var(MOTO_ENV) else {
            println!(
                "moto not configured: set {MOTO_ENV}=http://127.0.0.1:PORT (see .ci/conformance) to also run the {suite} suite against moto server"
            );
            return None;
        };
        Some(Target {
            name: "moto",
            swf: client(&url),
            domain: unique_domain(suite),
        })
    }
}

/// A client for `url` with test credentials, us-east-1 and no retries.
pub fn client(url: &str) -> Client {
    let config = SdkConfig::builder()
        .region(Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "test",
            "test",
            None,
            None,
            "scenarios",
        )))
        .retry_config(RetryConfig::disabled())
        .behavior_version(BehaviorVersion::latest())
        .build();
    Client::new(&config)
}

pub fn list(name: &str) -> TaskList {
    TaskList::builder().name(name).build().expect("task list")
}

/// The execution's whole history, oldest first.
pub async fn history(t: &Target, execution: &WorkflowExecution) -> Vec<HistoryEvent> {
    t.swf
        .get_workflow_execution_history()
        .domain(&t.domain)
        .execution(execution.clone())
        .send()
        .await
        .expect("history")
        .events()
        .to_vec()
}

/// A fresh domain per run, so runs against one moto server do not meet.
fn unique_domain(suite: &str) -> String {
    format!("{suite}-{:08x}", fastrand::u32(..))
}
