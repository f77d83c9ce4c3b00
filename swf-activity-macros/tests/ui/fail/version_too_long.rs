use swf_activity::activity;

#[activity(version = "2024-06-01-resize-images-with-the-new-encoder-and-the-old-cropper")]
async fn resize_image() {}

fn main() {}
