use swf_activity::activity;

#[activity(blocking = true, version = "1")]
fn transcode(path: String) -> String {
    path
}

fn main() {}
