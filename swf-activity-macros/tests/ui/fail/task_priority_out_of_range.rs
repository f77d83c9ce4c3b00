use swf_activity::activity;

#[activity(version = "1", task_priority = 3_000_000_000)]
async fn resize_image() {}

fn main() {}
