use swf_activity::activity;

#[activity(blocking, version = "1")]
async fn transcode(path: String) -> String {
    path
}

fn main() {}
