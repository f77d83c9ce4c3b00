use swf_activity::{activity, Progress};

#[activity(version = "1")]
async fn resize_image(progress: Progress, again: &Progress) {
    let _ = (progress, again);
}

fn main() {}
