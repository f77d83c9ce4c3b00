use swf_activity::activity;

#[activity(name = "", version = "1")]
async fn resize_image() {}

fn main() {}
