use swf_activity::activity;

#[activity(versoin = "1")]
async fn resize_image() {}

fn main() {}
