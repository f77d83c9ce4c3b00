//! Payload codecs in `ActivityEnvironment`, under paused time: the heartbeats and answers hold
//! what SWF would receive, encoded, and what does not fit once encoded is handled as documented.

use std::time::Duration;

use futures::future::BoxFuture;
use swf_activity::codec::{CodecChain, CodecError, GZIP_MARKER, GzipCodec, PayloadCodec};
use swf_activity::testing::{ActivityEnvironment, ActivityOutcome, Trigger};
use swf_activity::{ActivityError, Progress, activity};

/// Reports its step every second until cancelled, then answers canceled with the last step.
#[activity(version = "1", heartbeat_timeout = "10s")]
async fn stepper(progress: Progress, label: String) -> Result<(), ActivityError> {
    for step in 1_u32.. {
        tokio::select! {
            _ = progress.cancelled() => {
                return Err(ActivityError::canceled().with_details(&format!("{label} stopped at {step}")));
            }
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
        progress.report(&step)?;
    }
    Ok(())
}

/// Repeats every payload 100 times: 22 characters of details become 2,200 once encoded.
struct Bloating;

impl PayloadCodec for Bloating {
    fn encode<'a>(&'a self, payload: &'a str) -> BoxFuture<'a, Result<String, CodecError>> {
        Box::pin(async move { Ok(payload.repeat(100)) })
    }
    fn decode<'a>(&'a self, encoded: &'a str) -> BoxFuture<'a, Result<String, CodecError>> {
        Box::pin(async move { Ok(encoded[..encoded.len() / 100].to_owned()) })
    }
}

async fn decoded(codec: &impl PayloadCodec, encoded: Option<&str>) -> String {
    codec
        .decode(encoded.expect("an encoded payload"))
        .await
        .expect("it decodes")
}

#[tokio::test(start_paused = true)]
async fn heartbeat_and_cancellation_details_go_out_encoded() {
    let codec = GzipCodec::new();
    let run = ActivityEnvironment::new()
        .payload_codec(codec)
        .request_cancellation(Trigger::AfterHeartbeats(2))
        .run_json(&stepper, "import")
        .await
        .unwrap();
    assert!(run.heartbeats.len() >= 2, "{:?}", run.heartbeats);
    let first = run.heartbeats[0].details.as_deref();
    assert!(
        first.is_some_and(|d| d.starts_with(GZIP_MARKER)),
        "{first:?}"
    );
    assert_eq!(decoded(&codec, first).await, "1");
    let ActivityOutcome::Canceled { details } = &run.outcome else {
        panic!("expected a cancellation, got {:?}", run.outcome);
    };
    let details = decoded(&codec, details.as_deref()).await;
    assert!(details.starts_with("import stopped at "), "{details}");
}

#[tokio::test(start_paused = true)]
async fn heartbeats_whose_encoded_details_do_not_fit_go_out_without_them() {
    // One digit of details is 100 characters encoded and fits; "step 1 of a longer run"
    // (22 characters, sent as plain text) is 2,200, over the 2,048 heartbeat details take.
    /// Reports one short and then one long checkpoint.
    #[activity(version = "1", heartbeat_timeout = "10s")]
    async fn two_reports(progress: Progress) -> Result<(), ActivityError> {
        progress.report(&7)?;
        progress.flush().await?;
        progress.report("step 1 of a longer run")?;
        progress.flush().await?;
        Ok(())
    }
    let run = ActivityEnvironment::new()
        .payload_codec(Bloating)
        .run(&two_reports, None)
        .await;
    assert_eq!(run.outcome, ActivityOutcome::Completed { result: None });
    let details: Vec<Option<usize>> = run
        .heartbeats
        .iter()
        .map(|h| h.details.as_ref().map(String::len))
        .collect();
    // Both heartbeats went out (the task stays alive); the second without its details.
    assert_eq!(details, [Some(100), None]);
}

#[tokio::test(start_paused = true)]
async fn input_from_a_decider_without_the_codec_fails_the_run_saying_why() {
    let run = ActivityEnvironment::new()
        .payload_codec(GzipCodec::new())
        .run(&stepper, Some("\"plain\"".to_owned()))
        .await;
    let ActivityOutcome::Failed { reason, details } = &run.outcome else {
        panic!("expected a failure, got {:?}", run.outcome);
    };
    assert!(
        reason.starts_with("undecodable input: the payload is not gzip+base64"),
        "{reason}"
    );
    // The details are encoded like any others, so a decider with the codec reads them.
    let details = decoded(&GzipCodec::new(), details.as_deref()).await;
    assert!(
        details.contains("could not decode the task's input (7 characters)"),
        "{details}"
    );
    assert!(run.heartbeats.is_empty());
}

#[tokio::test(start_paused = true)]
async fn chained_codecs_round_trip_and_the_chain_is_recognisable() {
    /// Returns its input.
    #[activity(version = "1")]
    async fn echo(text: String) -> String {
        text
    }
    let codec = CodecChain::new(GzipCodec::new(), Bloating);
    let run = ActivityEnvironment::new()
        .payload_codec(CodecChain::new(GzipCodec::new(), Bloating))
        .run_json(&echo, "hello")
        .await
        .unwrap();
    let sent = run.result().expect("a result");
    assert!(sent.starts_with(GZIP_MARKER));
    assert_eq!(decoded(&codec, Some(sent)).await, "\"hello\"");
}
