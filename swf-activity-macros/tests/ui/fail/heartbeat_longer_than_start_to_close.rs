use swf_activity::activity;

#[activity(version = "1", heartbeat_timeout = "1h", start_to_close_timeout = "10m")]
async fn resize_image() {}

fn main() {}
