use swf_activity::activity;

#[activity(version = "1")]
async fn resize_image(width: u32, height: u32) -> u32 {
    width * height
}

fn main() {}
