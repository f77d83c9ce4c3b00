use swf_activity::activity;

#[activity(version = "1")]
fn resize_image(width: u32) -> u32 {
    width / 2
}

fn main() {}
