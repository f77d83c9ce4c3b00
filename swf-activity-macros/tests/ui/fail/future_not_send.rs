use std::rc::Rc;

use swf_activity::activity;

async fn upload() {}

#[activity(version = "1")]
async fn resize_image(width: u32) -> u32 {
    let shared = Rc::new(width);
    upload().await;
    *shared
}

fn main() {}
