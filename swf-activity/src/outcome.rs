//! [`ActivityOutcome`]: how a task ended, which is what the worker answers SWF.
//!
//! The worker and [`ActivityEnvironment`](crate::testing::ActivityEnvironment) both turn what an
//! activity returned into an outcome with [`ActivityOutcome::from_result`], so a test sees the
//! answer SWF would get: an oversized result fails, long reasons and details are cut.

use crate::error::ActivityError;
use crate::limits::{
    FAILURE_DETAILS_MAX_CHARS, FAILURE_REASON_MAX_CHARS, RESULT_MAX_CHARS, truncate_to_chars,
};

/// How an activity ended: the one answer the worker sends SWF for its task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActivityOutcome {
    /// It returned a result (RespondActivityTaskCompleted).
    Completed {
        /// The JSON result; `None` for an empty result.
        result: Option<String>,
    },
    /// It failed (RespondActivityTaskFailed).
    Failed {
        /// The failure's reason, at most 256 characters.
        reason: String,
        /// The failure's details, at most 32,768 characters.
        details: Option<String>,
    },
    /// It accepted a cancellation (RespondActivityTaskCanceled).
    Canceled {
        /// The cancellation's details, at most 32,768 characters.
        details: Option<String>,
    },
    /// It handed its task token to another system, which answers the task
    /// ([`ActivityError::completes_elsewhere`]): the worker sends nothing.
    CompletesElsewhere,
}

/// A result over [`RESULT_MAX_CHARS`]: SWF would refuse it, so it is never sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "result too large: {chars} characters, over SWF's limit of {RESULT_MAX_CHARS}; \
     send a smaller result, for example a reference to where the data is stored"
)]
pub struct ResultTooLarge {
    /// The result's length in characters.
    pub chars: usize,
}

impl ActivityOutcome {
    /// The outcome of what an activity returned, within SWF's limits: a result over
    /// [`RESULT_MAX_CHARS`] fails the task (saying how large it was), and reasons and details
    /// over their limits are cut, ending with [`TRUNCATION_MARKER`](crate::limits::TRUNCATION_MARKER).
    ///
    /// ```
    /// use swf_activity::ActivityError;
    /// use swf_activity::outcome::ActivityOutcome;
    ///
    /// let outcome = ActivityOutcome::from_result(Ok(Some("x".repeat(40_000))));
    /// assert!(matches!(outcome, ActivityOutcome::Failed { ref reason, .. } if reason.starts_with("result too large")));
    ///
    /// let outcome = ActivityOutcome::from_result(Err(ActivityError::canceled().with_details("3 of 10")));
    /// assert_eq!(outcome, ActivityOutcome::Canceled { details: Some("3 of 10".into()) });
    /// ```
    pub fn from_result(result: Result<Option<String>, ActivityError>) -> ActivityOutcome {
        match result {
            Ok(result) => ActivityOutcome::completed(result).unwrap_or_else(|too_large| {
                ActivityOutcome::failed(
                    &format!(
                        "result too large: {} characters, over SWF's limit of {RESULT_MAX_CHARS}",
                        too_large.chars
                    ),
                    Some(
                        "return a smaller result, for example a reference to where the data is stored",
                    ),
                )
            }),
            Err(err) if err.is_completes_elsewhere() => ActivityOutcome::CompletesElsewhere,
            Err(err) if err.is_canceled() => ActivityOutcome::canceled(err.details()),
            Err(err) => ActivityOutcome::failed(err.reason().unwrap_or("failed"), err.details()),
        }
    }

    /// A completion, if the result is within [`RESULT_MAX_CHARS`]; a longer one is refused, since
    /// SWF would refuse it (and cutting it would corrupt it).
    ///
    /// ```
    /// use swf_activity::outcome::ActivityOutcome;
    ///
    /// assert!(ActivityOutcome::completed(Some("\"ok\"".into())).is_ok());
    /// assert_eq!(ActivityOutcome::completed(Some("x".repeat(32_769))).unwrap_err().chars, 32_769);
    /// ```
    pub fn completed(result: Option<String>) -> Result<ActivityOutcome, ResultTooLarge> {
        if let Some(chars) = result
            .as_deref()
            .map(|r| r.chars().count())
            .filter(|chars| *chars > RESULT_MAX_CHARS)
        {
            return Err(ResultTooLarge { chars });
        }
        Ok(ActivityOutcome::Completed { result })
    }

    /// A cancellation, its details cut to SWF's limit.
    pub fn canceled(details: Option<&str>) -> ActivityOutcome {
        ActivityOutcome::Canceled {
            details: details.map(|d| truncate_to_chars(d, FAILURE_DETAILS_MAX_CHARS)),
        }
    }

    /// A failure, cut to SWF's limits.
    pub fn failed(reason: &str, details: Option<&str>) -> ActivityOutcome {
        ActivityOutcome::Failed {
            reason: truncate_to_chars(reason, FAILURE_REASON_MAX_CHARS),
            details: details.map(|d| truncate_to_chars(d, FAILURE_DETAILS_MAX_CHARS)),
        }
    }

    /// A word for logs: `completed`, `failed`, `canceled` or `completes_elsewhere`.
    pub fn kind(&self) -> &'static str {
        match self {
            ActivityOutcome::Completed { .. } => "completed",
            ActivityOutcome::Failed { .. } => "failed",
            ActivityOutcome::Canceled { .. } => "canceled",
            ActivityOutcome::CompletesElsewhere => "completes_elsewhere",
        }
    }

    /// The SWF operation that sends this answer; `None` when the worker sends none
    /// ([`CompletesElsewhere`](Self::CompletesElsewhere)).
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            ActivityOutcome::Completed { .. } => Some("RespondActivityTaskCompleted"),
            ActivityOutcome::Failed { .. } => Some("RespondActivityTaskFailed"),
            ActivityOutcome::Canceled { .. } => Some("RespondActivityTaskCanceled"),
            ActivityOutcome::CompletesElsewhere => None,
        }
    }
}

impl From<Result<Option<String>, ActivityError>> for ActivityOutcome {
    /// Same as [`ActivityOutcome::from_result`].
    fn from(result: Result<Option<String>, ActivityError>) -> Self {
        ActivityOutcome::from_result(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::TRUNCATION_MARKER;

    #[test]
    fn oversized_results_fail_with_size_and_limit() {
        let outcome = ActivityOutcome::from_result(Ok(Some("x".repeat(RESULT_MAX_CHARS + 1))));
        let ActivityOutcome::Failed { reason, .. } = outcome else {
            panic!("expected a failure, got {outcome:?}");
        };
        assert!(reason.contains("32769"), "{reason}");
        assert!(reason.contains("32768"), "{reason}");
    }

    #[test]
    fn results_at_the_limit_complete() {
        let result = "x".repeat(RESULT_MAX_CHARS);
        assert_eq!(
            ActivityOutcome::from_result(Ok(Some(result.clone()))),
            ActivityOutcome::Completed {
                result: Some(result)
            }
        );
    }

    #[test]
    fn long_reasons_and_details_are_cut_with_a_marker() {
        let err = ActivityError::failed("r".repeat(1000)).with_details(&"d".repeat(40_000));
        let ActivityOutcome::Failed { reason, details } = ActivityOutcome::from_result(Err(err))
        else {
            panic!("expected a failure");
        };
        assert_eq!(reason.chars().count(), FAILURE_REASON_MAX_CHARS);
        assert!(reason.ends_with(TRUNCATION_MARKER));
        assert_eq!(
            details.map(|d| d.chars().count()),
            Some(FAILURE_DETAILS_MAX_CHARS)
        );
    }

    #[test]
    fn tasks_answered_elsewhere_get_no_answer() {
        let outcome = ActivityOutcome::from_result(Err(
            ActivityError::completes_elsewhere().with_details("ignored")
        ));
        assert_eq!(outcome, ActivityOutcome::CompletesElsewhere);
        assert_eq!(outcome.operation(), None);
    }

    #[test]
    fn canceled_errors_answer_canceled_with_details() {
        let outcome =
            ActivityOutcome::from_result(Err(ActivityError::canceled().with_details("3 of 10")));
        assert_eq!(
            outcome,
            ActivityOutcome::Canceled {
                details: Some("3 of 10".to_owned())
            }
        );
    }
}
