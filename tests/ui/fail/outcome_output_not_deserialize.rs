use serde::Serialize;
use swf_activity::decider::ActivityHistory;
use swf_activity::activity;

/// Only `Serialize`: the worker can encode it, but a decider cannot decode it.
#[derive(Serialize)]
struct Thumbnails {
    urls: Vec<String>,
}

#[activity(version = "1")]
async fn resize(url: String) -> Thumbnails {
    Thumbnails { urls: vec![url] }
}

fn main() {
    let _ = ActivityHistory::new(&[]).outcome(resize, "resize-1");
}
