use swf_activity::decider::HeartbeatDetails;

/// The checkpoint an activity reports, without `Deserialize`.
struct Checkpoint {
    done: u32,
}

fn resume_from(details: &HeartbeatDetails) -> u32 {
    match details.decode::<Checkpoint>() {
        Ok(Some(checkpoint)) => checkpoint.done,
        _ => 0,
    }
}

fn main() {
    let _ = resume_from(&HeartbeatDetails::default());
}
