use swf_activity::activity;

#[activity(version = "1", schedule_to_close_timeout = "30000h")]
async fn resize_image() {}

fn main() {}
