use swf_activity::{activity, Resource};

struct Client;

#[activity(version = "1")]
async fn copy(source: Resource<Client>, target: Resource<Client>, key: String) {
    let _ = (source, target, key);
}

fn main() {}
