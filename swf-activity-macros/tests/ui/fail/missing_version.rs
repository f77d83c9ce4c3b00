use swf_activity::activity;

#[activity(task_list = "images")]
async fn resize_image() {}

fn main() {}
