// Every mistake in one item is reported in the same build.
use swf_activity::{activity, Progress};

#[activity(versoin = "1", heartbeat_timeout = "soon", name = "a/b")]
fn resize_image(progress: Progress, again: Progress, width: u32, height: u32) {}

fn main() {}
