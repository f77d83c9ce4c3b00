//! Every key at once, and the definition they produce.

use swf_activity::activity::Activity;
use swf_activity::{activity, ActivityError, HeartbeatMode, Progress, Timeout};

#[derive(serde::Deserialize)]
pub struct ResizeInput {
    pub width: u32,
}

#[derive(serde::Serialize)]
pub struct Thumbnails {
    pub sizes: Vec<u32>,
}

/// Resizes one image.
///
/// (Not registered: `description` wins over this doc comment.)
#[activity(
    name = "ResizeImage",
    version = "2.1",
    task_list = "images",
    description = "Resizes one image.",
    heartbeat_timeout = "30s",
    start_to_close_timeout = "10m",
    schedule_to_start_timeout = "none",
    schedule_to_close_timeout = "1h30m",
    task_priority = -5,
    heartbeat = "manual",
)]
pub async fn resize_image(progress: Progress, input: ResizeInput) -> Result<Thumbnails, ActivityError> {
    let _ = progress;
    Ok(Thumbnails { sizes: vec![input.width, input.width / 2] })
}

fn main() {
    let def = resize_image.definition();
    assert_eq!(def, &resize_image::DEFINITION);
    assert_eq!(def.activity_type.name, "ResizeImage");
    assert_eq!(def.activity_type.version, "2.1");
    assert_eq!(def.defaults.task_list.name(), Some("images"));
    assert_eq!(def.defaults.description.as_deref(), Some("Resizes one image."));
    assert_eq!(def.defaults.heartbeat_timeout, Some(Timeout::Seconds(30)));
    assert_eq!(def.defaults.start_to_close_timeout, Some(Timeout::Seconds(600)));
    assert_eq!(def.defaults.schedule_to_start_timeout, Some(Timeout::Unlimited));
    assert_eq!(def.defaults.schedule_to_close_timeout, Some(Timeout::Seconds(5400)));
    assert_eq!(def.defaults.task_priority, Some(-5));
    assert_eq!(def.heartbeat, HeartbeatMode::Manual);
}
