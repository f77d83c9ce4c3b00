use swf_activity::activity;

struct ResizeError;

#[activity(version = "1")]
async fn resize_image(width: u32) -> Result<u32, ResizeError> {
    if width == 0 { Err(ResizeError) } else { Ok(width) }
}

fn main() {}
