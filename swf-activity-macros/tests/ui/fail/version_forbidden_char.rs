use swf_activity::activity;

#[activity(version = "1|2")]
async fn resize_image() {}

fn main() {}
