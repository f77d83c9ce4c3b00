use swf_activity::activity;

#[activity(version = "1", heartbeat = "sometimes")]
async fn resize_image() {}

fn main() {}
