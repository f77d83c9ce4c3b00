use swf_activity::activity;

// Flow's NO_DEFAULT_TASK_LIST is a string there; here a string is always a list's name.
#[activity(version = "1", task_list = "NO_DEFAULT_TASK_LIST", start_to_close_timeout = "1m")]
async fn process_file() {}

fn main() {}
