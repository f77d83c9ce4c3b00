//! [`ActivityError`]: how an activity ends other than by completing.

use std::fmt;

use serde::Serialize;

use crate::details::render_details;

/// How an activity ends when it does not complete: it failed, or it accepted a cancellation.
///
/// The worker answers a failure with RespondActivityTaskFailed and a cancellation with
/// RespondActivityTaskCanceled. Any error type converts into a failure with `?`, its message as
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

    /// Adds details: a string is sent as it is, any other value as JSON. A value that cannot be
    /// serialized is replaced by a sentence saying why.
    #[must_use]
    pub fn with_details<T: Serialize + ?Sized>(mut self, details: &T) -> Self {
        let text = render_details(details)
            .unwrap_or_else(|e| format!("details could not be serialized: {e}"));
        match &mut self.outcome {
            Outcome::Failed { details, .. } | Outcome::Canceled { details } => {
                *details = Some(text)
            }
        }
        self
    }

    /// Whether this is a cancellation rather than a failure.
    pub fn is_canceled(&self) -> bool {
        matches!(self.outcome, Outcome::Canceled { .. })
    }

    /// The failure's reason; `None` for a cancellation.
    pub fn reason(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Failed { reason, .. } => Some(reason),
            Outcome::Canceled { .. } => None,
        }
    }

    /// The details, if any.
    pub fn details(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Failed { details, .. } | Outcome::Canceled { details } => details.as_deref(),
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
