use swf_activity::activity::{Activity, ActivityDefinition, ActivityFuture};
use swf_activity::decider::ScheduleActivity;
use swf_activity::{ActivityType, HeartbeatMode, Progress, RegistrationDefaults};

/// A hand-written activity: its input and output types are unknown to the decider.
struct Echo;

static ECHO: ActivityDefinition = ActivityDefinition {
    activity_type: ActivityType::from_static("Echo", "1"),
    defaults: RegistrationDefaults::NONE,
    heartbeat: HeartbeatMode::Auto,
};

impl Activity for Echo {
    fn definition(&self) -> &ActivityDefinition {
        &ECHO
    }

    fn execute(&self, _progress: Progress, input: Option<String>) -> ActivityFuture {
        Box::pin(async move { Ok(input) })
    }
}

fn main() {
    let _ = ScheduleActivity::new(Echo, &"hello".to_owned()).decision();
}
