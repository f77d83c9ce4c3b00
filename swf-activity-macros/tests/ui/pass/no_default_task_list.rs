use swf_activity::{Activity, DefaultTaskList, activity};

/// Processes a file on the host that downloaded it: scheduled on that host's list.
#[activity(version = "1", task_list = none, start_to_close_timeout = "1m")]
async fn process_file(path: String) -> String {
    path
}

fn main() {
    assert_eq!(
        process_file.definition().defaults.task_list,
        DefaultTaskList::NoDefault
    );
}
