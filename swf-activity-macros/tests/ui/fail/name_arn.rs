use swf_activity::activity;

#[activity(version = "1")]
async fn arn() {}

fn main() {}
