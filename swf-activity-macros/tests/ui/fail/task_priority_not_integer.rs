use swf_activity::activity;

#[activity(version = "1", task_priority = "high")]
async fn resize_image() {}

fn main() {}
