//! `Progress` by value, by reference, by mutable reference, in any position, or not at all;
//! an `Option` input accepts a task without input.

use swf_activity::activity::Activity;
use swf_activity::{activity, Progress};

#[activity(version = "1")]
async fn by_value(progress: Progress) -> bool {
    progress.is_cancelled()
}

#[activity(version = "1")]
async fn by_ref(name: String, progress: &Progress) -> String {
    let _ = progress.report("greeting");
    format!("hello {name}")
}

#[activity(version = "1")]
async fn by_mut_ref(progress: &mut Progress, input: Option<u32>) -> Option<u32> {
    let _ = progress;
    input.map(|n| n + 1)
}

#[activity(version = "1")]
async fn no_progress(input: Vec<u8>) -> usize {
    input.len()
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    rt.block_on(async {
        assert!(!by_value::run(Progress::detached()).await);
        assert_eq!(by_ref::run("you".into(), &Progress::detached()).await, "hello you");
        assert_eq!(by_mut_ref::run(&mut Progress::detached(), Some(1)).await, Some(2));

        let run = |a: &dyn Activity, input: Option<&str>| {
            a.execute(Progress::detached(), input.map(str::to_owned))
        };
        assert_eq!(run(&by_value, None).await, Ok(Some("false".into())));
        assert_eq!(run(&by_ref, Some("\"x\"")).await, Ok(Some("\"hello x\"".into())));
        assert_eq!(run(&by_mut_ref, None).await, Ok(None));
        assert_eq!(run(&by_mut_ref, Some("41")).await, Ok(Some("42".into())));
        assert_eq!(run(&no_progress, Some("[1,2,3]")).await, Ok(Some("3".into())));
    });
}
