use swf_activity::activity;

struct ResizeInput {
    width: u32,
}

#[activity(version = "1")]
async fn resize_image(input: ResizeInput) -> u32 {
    input.width
}

fn main() {}
