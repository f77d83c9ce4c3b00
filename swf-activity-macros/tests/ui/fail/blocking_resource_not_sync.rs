use std::cell::RefCell;

use swf_activity::{activity, Resource};

pub struct Encoder {
    pub frames: RefCell<u64>,
}

#[activity(blocking, version = "1")]
fn transcode(encoder: Resource<Encoder>, path: String) -> String {
    *encoder.frames.borrow_mut() += 1;
    path
}

fn main() {}
