use swf_activity::activity;

#[activity(version = "1")]
async fn resize_image<T: serde::de::DeserializeOwned>(input: T) {
    let _ = input;
}

fn main() {}
