//! SWF's naming rules, one table (`name_rules/table.rs`) held against the worker's `build()` and
//! swf-local's validation. `#[activity]` runs the same table in swf-activity-macros.

#[path = "name_rules/table.rs"]
mod table;

use serde_json::json;
use swf_activity::activity::{Activity, ActivityDefinition, ActivityFuture};
use swf_activity::local::{ErrorKind, Service, ServiceConfig};
use swf_activity::worker::Worker;
use swf_activity::{ActivityType, HeartbeatMode, Progress, RegistrationDefaults};
use table::{NameCase, NameField, name_rules};

/// An activity whose name and version are known only at run time.
struct Named(ActivityDefinition);

impl Activity for Named {
    fn definition(&self) -> &ActivityDefinition {
        &self.0
    }

    fn execute(&self, _progress: Progress, _input: Option<String>) -> ActivityFuture {
        Box::pin(async { Ok(None) })
    }
}

/// Whether `build()` accepts the case's name.
fn worker_accepts(case: &NameCase) -> bool {
    let config = aws_sdk_swf::Config::builder()
        .behavior_version(aws_sdk_swf::config::BehaviorVersion::latest())
        .region(aws_sdk_swf::config::Region::new("us-east-1"))
        .build();
    let client = aws_sdk_swf::Client::from_conf(config);
    let (mut domain, mut task_list, mut name, mut version) = ("d", "t", "n", "1");
    match case.field {
        NameField::Domain => domain = &case.value,
        NameField::TaskList => task_list = &case.value,
        NameField::ActivityName => name = &case.value,
        NameField::ActivityVersion => version = &case.value,
    }
    let activity = Named(ActivityDefinition {
        activity_type: ActivityType::new(name.to_owned(), version.to_owned()),
        defaults: RegistrationDefaults::NONE,
        heartbeat: HeartbeatMode::Auto,
    });
    Worker::builder(client)
        .domain(domain)
        .task_list(task_list)
        .activity(activity)
        .build()
        .is_ok()
}

/// Whether swf-local accepts the case's name where SWF takes it: RegisterDomain, or
/// RegisterActivityType (name, version, default task list); `n` keeps each type new.
async fn swf_local_accepts(service: &Service, case: &NameCase, n: usize) -> bool {
    let (operation, request) = match case.field {
        NameField::Domain => (
            "RegisterDomain",
            json!({"name": case.value, "workflowExecutionRetentionPeriodInDays": "1"}),
        ),
        NameField::TaskList => (
            "RegisterActivityType",
            json!({"domain": "d", "name": "task-list-case", "version": n.to_string(),
                   "defaultTaskList": {"name": case.value}}),
        ),
        NameField::ActivityName => (
            "RegisterActivityType",
            json!({"domain": "d", "name": case.value, "version": "1"}),
        ),
        NameField::ActivityVersion => (
            "RegisterActivityType",
            json!({"domain": "d", "name": "version-case", "version": case.value}),
        ),
    };
    match service.call(operation, request).await {
        Ok(_) => true,
        Err(err) if err.kind == ErrorKind::Validation => false,
        Err(err) => panic!("{operation} for {case:?} failed otherwise: {err}"),
    }
}

#[tokio::test]
async fn the_worker_and_swf_local_follow_one_table() {
    let service = Service::new(ServiceConfig::default()).expect("the service starts");
    service
        .call(
            "RegisterDomain",
            json!({"name": "d", "workflowExecutionRetentionPeriodInDays": "1"}),
        )
        .await
        .expect("the domain registers");
    let mut disagreements = Vec::new();
    for (n, case) in name_rules().into_iter().enumerate() {
        let worker = worker_accepts(&case);
        let local = swf_local_accepts(&service, &case, n).await;
        if worker != case.valid || local != case.valid {
            disagreements.push(format!(
                "{:?} {:?}: SWF {}, build() {}, swf-local {}",
                case.field,
                case.value,
                verdict(case.valid),
                verdict(worker),
                verdict(local)
            ));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

fn verdict(accepts: bool) -> &'static str {
    if accepts { "accepts" } else { "refuses" }
}
