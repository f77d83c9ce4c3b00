use swf_activity::activity;

#[activity(version = "1", task_list = None, start_to_close_timeout = "1m")]
async fn process_file() {}

fn main() {}
