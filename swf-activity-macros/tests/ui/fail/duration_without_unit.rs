use swf_activity::activity;

#[activity(version = "1", start_to_close_timeout = "600")]
async fn resize_image() {}

fn main() {}
