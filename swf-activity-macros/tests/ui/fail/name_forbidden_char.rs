use swf_activity::activity;

#[activity(name = "images:resize", version = "1")]
async fn resize_image() {}

fn main() {}
