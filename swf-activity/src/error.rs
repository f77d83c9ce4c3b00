//! [`ActivityError`]: how an activity ends other than by completing.

use std::fmt;

use serde::Serialize;

use crate::details::render_details;

/// How an activity ends when it does not complete: it failed, it accepted a cancellation, or it
/// handed its task to another system to answer.
///
/// The worker answers a failure with RespondActivityTaskFailed and a cancellation with
/// RespondActivityTaskCanceled; for [`completes_elsewhere`](Self::completes_elsewhere) it sends
/// nothing. Any error type converts into a failure with `?`, its message as
/// the reason and its chain of sources as the details, so activity code can use `?` freely:
///
/// ```
/// use swf_activity::ActivityError;
///
/// fn parse(input: &str) -> Result<u32, ActivityError> {
///     Ok(input.parse::<u32>()?)
/// }
///
/// let err = parse("x").unwrap_err();
/// assert_eq!(err.reason(), Some("invalid digit found in string"));
/// ```
///
/// Reasons longer than 256 characters and details longer than 32768 are cut to fit when sent,
/// ending with [`TRUNCATION_MARKER`](crate::limits::TRUNCATION_MARKER).
///
/// `ActivityError` deliberately does not implement [`std::error::Error`], so that every error
/// converts into it; it implements [`Display`](fmt::Display) and [`Debug`]. So `?` does not turn
/// it into a `Box<dyn Error>`: in a test or `main` that calls an activity's `run` directly, use
/// `.map_err(|e| e.to_string())?` or match on the result.
#[derive(Clone, PartialEq, Eq)]
pub struct ActivityError {
    outcome: Outcome,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    Failed {
        reason: String,
        details: Option<String>,
    },
    Canceled {
        details: Option<String>,
    },
    CompletesElsewhere,
}

impl ActivityError {
    /// A failure with this reason.
    ///
    /// ```
    /// use swf_activity::ActivityError;
    ///
    /// let err = ActivityError::failed("image too large").with_details(&serde_json::json!({"bytes": 9_000_000}));
    /// assert_eq!(err.details(), Some(r#"{"bytes":9000000}"#));
    /// ```
    pub fn failed(reason: impl Into<String>) -> Self {
        ActivityError {
            outcome: Outcome::Failed {
                reason: reason.into(),
                details: None,
            },
        }
    }

    /// A cancellation: the worker answers RespondActivityTaskCanceled.
    ///
    /// ```
    /// use swf_activity::ActivityError;
    ///
    /// let err = ActivityError::canceled().with_details("stopped after 3 of 10 files");
    /// assert!(err.is_canceled());
    /// ```
    pub fn canceled() -> Self {
        ActivityError {
            outcome: Outcome::Canceled { details: None },
        }
    }

    /// The activity handed its task token to another system, which will answer the task (Flow's
    /// `@ManualActivityCompletion`, Temporal's `ErrResultPending`): the worker sends no answer,
    /// stops the task's heartbeats and frees its slot at once. The other system then completes,
    /// fails, cancels or heartbeats the task by its token with a
    /// [`CompletionClient`](crate::completion::CompletionClient), within the task's timeouts
    /// (its heartbeat timeout too, if it has one: nothing heartbeats the task meanwhile unless
    /// that system does).
    ///
    /// ```
    /// use swf_activity::ActivityError;
    ///
    /// let err = ActivityError::completes_elsewhere();
    /// assert!(err.is_completes_elsewhere());
    /// assert_eq!(err.reason(), None);
    /// ```
    pub fn completes_elsewhere() -> Self {
        ActivityError {
            outcome: Outcome::CompletesElsewhere,
        }
    }

    /// Adds details: a string is sent as it is, any other value as JSON. A value that cannot be
    /// serialized is replaced by a sentence saying why. A
    /// [`completes_elsewhere`](Self::completes_elsewhere) sends nothing, so it keeps no details.
    #[must_use]
    pub fn with_details<T: Serialize + ?Sized>(mut self, details: &T) -> Self {
        if let Outcome::Failed { details: slot, .. } | Outcome::Canceled { details: slot } =
            &mut self.outcome
        {
            let text = render_details(details)
                .unwrap_or_else(|e| format!("details could not be serialized: {e}"));
            *slot = Some(text);
        }
        self
    }

    /// Whether this is a cancellation rather than a failure.
    pub fn is_canceled(&self) -> bool {
        matches!(self.outcome, Outcome::Canceled { .. })
    }

    /// Whether the activity left its task to be answered elsewhere
    /// ([`completes_elsewhere`](Self::completes_elsewhere)).
    pub fn is_completes_elsewhere(&self) -> bool {
        matches!(self.outcome, Outcome::CompletesElsewhere)
    }

    /// The failure's reason; `None` for a cancellation or a task answered elsewhere.
    pub fn reason(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Failed { reason, .. } => Some(reason),
            Outcome::Canceled { .. } | Outcome::CompletesElsewhere => None,
        }
    }

    /// The details, if any.
    pub fn details(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Failed { details, .. } | Outcome::Canceled { details } => details.as_deref(),
            Outcome::CompletesElsewhere => None,
        }
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for ActivityError {
    fn from(error: E) -> Self {
        let mut sources = Vec::new();
        let mut source = error.source();
        while let Some(cause) = source {
            sources.push(cause.to_string());
            source = cause.source();
        }
        let err = ActivityError::failed(error.to_string());
        if sources.is_empty() {
            err
        } else {
            err.with_details(&format!("caused by: {}", sources.join(": ")))
        }
    }
}

impl fmt::Display for ActivityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.outcome {
            Outcome::Failed { reason, .. } => write!(f, "activity failed: {reason}")?,
            Outcome::Canceled { .. } => f.write_str("activity canceled")?,
            Outcome::CompletesElsewhere => {
                f.write_str("activity handed its task token over; the task is answered elsewhere")?
            }
        }
        if let Some(details) = self.details() {
            write!(f, " ({details})")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ActivityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.outcome, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn error_sources_become_details() {
        let err: ActivityError = Outer(std::io::Error::other("disk full")).into();
        assert_eq!(err.reason(), Some("outer"));
        assert_eq!(err.details(), Some("caused by: disk full"));
        assert!(!err.is_canceled());
    }

    #[test]
    fn canceled_has_no_reason() {
        let err = ActivityError::canceled();
        assert!(err.is_canceled());
        assert_eq!(err.reason(), None);
        assert_eq!(err.to_string(), "activity canceled");
    }
}
