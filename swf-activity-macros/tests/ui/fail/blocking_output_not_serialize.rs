use swf_activity::{activity, ActivityError};

pub struct Frames(pub u64);

#[activity(blocking, version = "1")]
fn count_frames(path: String) -> Result<Frames, ActivityError> {
    Ok(Frames(path.len() as u64))
}

fn main() {}
