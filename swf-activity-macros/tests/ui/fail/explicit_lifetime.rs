use swf_activity::activity;

#[activity(version = "1")]
async fn resize_image<'a>(path: &'a str) -> usize {
    path.len()
}

fn main() {}
