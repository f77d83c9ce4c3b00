// A wrong argument is reported on its own: the activity is still generated, so code that
// uses it compiles and shows no follow-on errors.
use swf_activity::activity::Activity;
use swf_activity::{activity, Progress};

#[activity(version = "1", heartbeat_timeout = "1 minute")]
async fn resize_image(width: u32) -> u32 {
    width / 2
}

fn main() {
    let _ = resize_image.definition();
    let _ = resize_image::run(4);
    let _ = resize_image.execute(Progress::detached(), None);
}
