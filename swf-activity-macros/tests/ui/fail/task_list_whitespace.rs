use swf_activity::activity;

#[activity(version = "1", task_list = "images ")]
async fn resize_image() {}

fn main() {}
