use swf_activity::activity;

#[activity(version = "1", task_list = "images", version = "2")]
async fn resize_image() {}

fn main() {}
