use swf_activity::activity;

struct Thumbnails {
    count: u32,
}

#[activity(version = "1")]
async fn resize_image(width: u32) -> Thumbnails {
    Thumbnails { count: width }
}

fn main() {}
