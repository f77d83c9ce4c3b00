use serde::Deserialize;
use swf_activity::decider::ScheduleActivity;
use swf_activity::activity;

/// Only `Deserialize`: the worker can decode it, but a decider cannot encode it.
#[derive(Deserialize)]
struct Resize {
    width: u32,
}

#[activity(version = "1")]
async fn resize(input: Resize) -> u32 {
    input.width
}

fn main() {
    let _ = ScheduleActivity::new(resize, &Resize { width: 64 }).decision();
}
