use swf_activity::activity;

struct Resizer;

impl Resizer {
    #[activity(version = "1")]
    async fn resize_image(&self, width: u32) -> u32 {
        width / 2
    }
}

fn main() {}
