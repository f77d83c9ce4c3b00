use swf_activity::activity;

#[activity(version = "1", heartbeat_timeout = "30 parsecs")]
async fn resize_image() {}

fn main() {}
