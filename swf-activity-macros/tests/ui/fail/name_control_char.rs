use swf_activity::activity;

#[activity(name = "resize\timage", version = "1")]
async fn resize_image() {}

fn main() {}
