use std::cell::RefCell;

use swf_activity::{activity, Resource};

/// A cache that is not `Sync`: tasks on other threads could not share it.
struct Cache {
    hits: RefCell<u32>,
}

#[activity(version = "1")]
async fn lookup(cache: Resource<Cache>, key: String) -> u32 {
    let _ = key;
    *cache.hits.borrow()
}

fn main() {}
