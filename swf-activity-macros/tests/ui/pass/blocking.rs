//! Blocking activities: plain `fn`s with `Progress` in any form, resources, and any output; the
//! input is decoded on the blocking thread, so it need not be `Send`.

use std::time::Duration;

use swf_activity::activity::Activity;
use swf_activity::{ActivityError, Progress, Resource, activity};

pub struct Codec {
    pub name: String,
}

/// Transcodes one file.
#[activity(
    blocking,
    version = "1",
    heartbeat_timeout = "30s",
    heartbeat = "manual"
)]
fn transcode(
    progress: &Progress,
    codec: Resource<Codec>,
    path: String,
) -> Result<String, ActivityError> {
    progress.check_cancelled()?;
    progress.report("started")?;
    if let Some(reason) = progress.wait_cancelled_timeout(Duration::from_millis(1)) {
        return Err(reason.into());
    }
    Ok(format!("{path} as {}", codec.name))
}

#[activity(version = "1", blocking)]
fn by_value(progress: Progress) -> bool {
    progress.is_cancelled()
}

#[activity(version = "1", blocking)]
fn by_mut_ref(progress: &mut Progress, input: Option<u32>) -> Option<u32> {
    let _ = progress;
    input.map(|n| n + 1)
}

#[activity(version = "1", blocking)]
fn no_progress_no_output(input: Vec<u8>) {
    let _ = input;
}

/// An input that cannot move between threads.
#[derive(serde::Deserialize)]
pub struct ThreadBound {
    pub frames: u32,
    #[serde(skip)]
    pub here_only: std::marker::PhantomData<std::rc::Rc<()>>,
}

#[activity(version = "1", blocking)]
fn thread_bound_input(input: ThreadBound) -> u32 {
    input.frames
}

fn main() {
    assert_eq!(by_value::run(Progress::detached()), false);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let result = by_mut_ref
            .execute(Progress::detached(), Some("41".into()))
            .await;
        assert_eq!(result.unwrap().as_deref(), Some("42"));
        let result = no_progress_no_output
            .execute(Progress::detached(), Some("[1]".into()))
            .await;
        assert_eq!(result.unwrap(), None);
        let result = thread_bound_input
            .execute(Progress::detached(), Some(r#"{"frames":3}"#.into()))
            .await;
        assert_eq!(result.unwrap().as_deref(), Some("3"));
        let result = by_value.execute(Progress::detached(), None).await;
        assert_eq!(result.unwrap().as_deref(), Some("false"));
        let mut resources = swf_activity::resources::Resources::new();
        resources.insert(Codec { name: "av1".into() });
        let result = transcode
            .execute_with(Progress::detached(), Some("\"a.mov\"".into()), &resources)
            .await;
        assert_eq!(result.unwrap().as_deref(), Some("\"a.mov as av1\""));
        // Outside a worker a missing resource fails the task, as for an `async fn`.
        let result = transcode
            .execute(Progress::detached(), Some("\"a.mov\"".into()))
            .await;
        assert_eq!(result.unwrap_err().reason(), Some("missing resource"));
    });
    assert_eq!(transcode::DEFINITION.activity_type.name, "transcode");
    assert_eq!(transcode.resources().len(), 1);
}
