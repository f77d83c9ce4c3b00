//! The scripted, recording [`HeartbeatTransport`] behind
//! [`ActivityEnvironment`](super::ActivityEnvironment).

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::heartbeat::{HeartbeatAnswer, HeartbeatError, HeartbeatTransport};

/// When a scripted event happens, counted from the start of the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// At this time after the start: heartbeats sent from then on see it.
    At(Duration),
    /// Once this many heartbeats have been answered: the next one sees it. `AfterHeartbeats(0)`
    /// means from the start.
    AfterHeartbeats(u64),
}

/// How the service answered one recorded heartbeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeartbeatReply {
    /// Accepted; `cancel_requested` as answered.
    Accepted {
        /// The answer's `cancelRequested`.
        cancel_requested: bool,
    },
    /// UnknownResourceFault: the task is gone.
    TaskGone,
    /// OperationNotPermittedFault.
    NotPermitted,
}

/// One heartbeat the activity's run sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedHeartbeat {
    /// When it was sent, since the start of the run.
    pub at: Duration,
    /// The details it carried.
    pub details: Option<String>,
    /// How it was answered.
    pub reply: HeartbeatReply,
}

/// What the fake service does, and when.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Script {
    pub(crate) cancel_requested: Option<Trigger>,
    pub(crate) task_gone: Option<Trigger>,
    pub(crate) not_permitted: Option<Trigger>,
}

/// Answers heartbeats by the script and records each one.
#[derive(Debug)]
pub(crate) struct ScriptedTransport {
    start: Instant,
    script: Script,
    recorded: Mutex<Vec<RecordedHeartbeat>>,
    count: watch::Sender<u64>,
}

impl ScriptedTransport {
    pub(crate) fn new(start: Instant, script: Script) -> Self {
        ScriptedTransport {
            start,
            script,
            recorded: Mutex::new(Vec::new()),
            count: watch::channel(0).0,
        }
    }

    /// Every heartbeat so far.
    pub(crate) fn recorded(&self) -> Vec<RecordedHeartbeat> {
        self.recorded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Resolves once `n` heartbeats have been answered.
    pub(crate) async fn answered(&self, n: u64) {
        let mut rx = self.count.subscribe();
        // The sender lives as long as `self`, so this only ends when the count is reached.
        let _ = rx.wait_for(|count| *count >= n).await;
    }
}

fn fired(trigger: Option<Trigger>, elapsed: Duration, answered: u64) -> bool {
    match trigger {
        None => false,
        Some(Trigger::At(at)) => elapsed >= at,
        Some(Trigger::AfterHeartbeats(n)) => answered >= n,
    }
}

impl HeartbeatTransport for ScriptedTransport {
    fn record_heartbeat(
        &self,
        _task_token: String,
        details: Option<String>,
    ) -> BoxFuture<'static, Result<HeartbeatAnswer, HeartbeatError>> {
        let elapsed = self.start.elapsed();
        let mut recorded = self.recorded.lock().unwrap_or_else(PoisonError::into_inner);
        let answered = recorded.len() as u64;
        let reply = if fired(self.script.task_gone, elapsed, answered) {
            HeartbeatReply::TaskGone
        } else if fired(self.script.not_permitted, elapsed, answered) {
            HeartbeatReply::NotPermitted
        } else {
            HeartbeatReply::Accepted {
                cancel_requested: fired(self.script.cancel_requested, elapsed, answered),
            }
        };
        recorded.push(RecordedHeartbeat {
            at: elapsed,
            details,
            reply,
        });
        let total = recorded.len() as u64;
        drop(recorded);
        self.count.send_replace(total);
        let answer = match reply {
            HeartbeatReply::Accepted { cancel_requested } => {
                Ok(HeartbeatAnswer { cancel_requested })
            }
            HeartbeatReply::TaskGone => Err(HeartbeatError::TaskGone(
                "UnknownResourceFault (scripted by ActivityEnvironment)".to_owned(),
            )),
            HeartbeatReply::NotPermitted => Err(HeartbeatError::NotPermitted(
                "OperationNotPermittedFault (scripted by ActivityEnvironment)".to_owned(),
            )),
        };
        Box::pin(std::future::ready(answer))
    }
}
