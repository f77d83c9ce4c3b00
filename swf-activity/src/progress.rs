//! [`Progress`]: how a running activity reports progress and learns that it should stop.
//!
//! (Interface in place; the batching engine lives in [`crate::heartbeat`].)

use std::sync::{Arc, Mutex};

use serde::Serialize;
use tokio::sync::watch;

use crate::details::render_details;
use crate::limits::HEARTBEAT_DETAILS_MAX_CHARS;

/// Why an activity is asked to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CancelReason {
    /// The decider requested cancellation (a heartbeat answered `cancelRequested: true`).
    Requested,
    /// The task is gone (UnknownResourceFault): it timed out or was closed elsewhere.
    TaskGone,
    /// The worker may not act on this task (OperationNotPermittedFault).
    NotPermitted,
    /// The start-to-close deadline passed: nothing the activity does now can be recorded.
    StartToCloseElapsed,
    /// The worker is shutting down.
    WorkerShutdown,
}

/// Why [`Progress::report`] refused details.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The details are longer than SWF accepts in a heartbeat.
    #[error(
        "progress details are {chars} characters, over SWF's limit of {limit}: report a summary; the previous details are kept"
    )]
    DetailsTooLong {
        /// Characters in the refused details.
        chars: usize,
        /// The limit.
        limit: usize,
    },
    /// The details could not be serialized to JSON.
    #[error("progress details could not be serialized to JSON: {0}; the previous details are kept")]
    NotSerializable(#[source] serde_json::Error),
}

/// A running activity's handle to report progress and to learn that it should stop.
#[derive(Clone, Debug)]
pub struct Progress {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    details: Mutex<Option<String>>,
    cancel: watch::Sender<Option<CancelReason>>,
}

impl Progress {
    /// A handle attached to no task: reports are kept but go nowhere, and it is never cancelled.
    /// For calling an activity's function directly.
    pub fn detached() -> Self {
        Progress {
            shared: Arc::new(Shared {
                details: Mutex::new(None),
                cancel: watch::channel(None).0,
            }),
        }
    }

    /// Reports progress details: a string is sent as it is, any other value as JSON.
    pub fn report<T: Serialize + ?Sized>(&self, details: &T) -> Result<(), ReportError> {
        let text = render_details(details).map_err(ReportError::NotSerializable)?;
        let chars = text.chars().count();
        if chars > HEARTBEAT_DETAILS_MAX_CHARS {
            return Err(ReportError::DetailsTooLong {
                chars,
                limit: HEARTBEAT_DETAILS_MAX_CHARS,
            });
        }
        if let Ok(mut slot) = self.shared.details.lock() {
            *slot = Some(text);
        }
        Ok(())
    }

    /// Whether the activity has been asked to stop.
    pub fn is_cancelled(&self) -> bool {
        self.cancel_reason().is_some()
    }

    /// Why the activity has been asked to stop, if it has.
    pub fn cancel_reason(&self) -> Option<CancelReason> {
        *self.shared.cancel.borrow()
    }

    /// Resolves when the activity is asked to stop, with the reason.
    pub async fn cancelled(&self) -> CancelReason {
        let mut rx = self.shared.cancel.subscribe();
        loop {
            if let Some(reason) = *rx.borrow_and_update() {
                return reason;
            }
            if rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}
