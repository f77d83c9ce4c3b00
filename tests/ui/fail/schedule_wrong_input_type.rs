use serde::{Deserialize, Serialize};
use swf_activity::decider::ScheduleActivity;
use swf_activity::activity;

#[derive(Serialize, Deserialize)]
struct Resize {
    width: u32,
}

#[activity(version = "1")]
async fn resize(input: Resize) -> u32 {
    input.width
}

fn main() {
    let _ = ScheduleActivity::new(resize, &64u32).decision();
}
