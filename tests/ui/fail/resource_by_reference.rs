use swf_activity::{activity, Resource};

struct Storage {
    bucket: String,
}

#[activity(version = "1")]
async fn upload(storage: &Resource<Storage>, key: String) -> String {
    format!("{}/{key}", storage.bucket)
}

fn main() {}
