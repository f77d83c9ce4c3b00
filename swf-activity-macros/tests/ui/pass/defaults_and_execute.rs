//! Defaults (name from the function, description from its doc comment), and running the
//! generated activity through `Activity::execute` as a worker would.

use swf_activity::activity::Activity;
use swf_activity::{activity, ActivityError, HeartbeatMode, Progress, RegistrationDefaults};

#[derive(serde::Deserialize)]
struct Sum {
    a: i64,
    b: i64,
}

/// Adds two numbers.
///
///   Indented lines keep their indent.
#[activity(version = "1")]
async fn add(input: Sum) -> i64 {
    input.a + input.b
}

/// Says nothing, takes nothing.
#[activity(version = "1")]
async fn ping() {}

fn main() {
    let def = add.definition();
    assert_eq!(def.activity_type.name, "add");
    assert_eq!(
        def.defaults,
        RegistrationDefaults {
            description: Some("Adds two numbers.\n\n  Indented lines keep their indent.".into()),
            ..RegistrationDefaults::NONE
        }
    );
    assert_eq!(def.heartbeat, HeartbeatMode::Auto);

    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        // The body, directly.
        assert_eq!(add::run(Sum { a: 2, b: 3 }).await, 5);

        // Through the trait, as the worker runs it.
        let out = add.execute(Progress::detached(), Some(r#"{"a":2,"b":40}"#.into())).await;
        assert_eq!(out, Ok(Some("42".to_owned())));

        // Undecodable or missing input fails the task with serde's message as details.
        let err = add.execute(Progress::detached(), Some(r#""two""#.into())).await.unwrap_err();
        assert_eq!(err.reason(), Some("invalid input"));
        assert!(err.details().unwrap().contains("invalid type"));
        let err: ActivityError = add.execute(Progress::detached(), None).await.unwrap_err();
        assert_eq!(err.reason(), Some("invalid input"));

        // `()` is an empty result; a task input is ignored when the function takes none.
        assert_eq!(ping.execute(Progress::detached(), None).await, Ok(None));
        assert_eq!(ping.execute(Progress::detached(), Some("1".into())).await, Ok(None));
    });
}
