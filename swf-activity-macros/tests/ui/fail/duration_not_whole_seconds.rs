use swf_activity::activity;

#[activity(version = "1", heartbeat_timeout = "1500ms")]
async fn resize_image() {}

fn main() {}
