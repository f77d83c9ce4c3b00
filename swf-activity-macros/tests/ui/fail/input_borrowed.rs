use swf_activity::activity;

#[activity(version = "1")]
async fn resize_image(path: &'static str) -> usize {
    path.len()
}

fn main() {}
