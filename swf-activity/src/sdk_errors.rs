//! Sorting AWS SDK errors into what a worker does about them.

use aws_sdk_swf::config::http::HttpResponse;
use aws_sdk_swf::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// What an SWF error means for the call that got it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ErrorClass {
    /// UnknownResourceFault: the task, domain or type does not exist (any more).
    Gone,
    /// OperationNotPermittedFault: the caller lacks a permission.
    NotPermitted,
    /// The service asked us to slow down.
    Throttled,
    /// Worth trying again: a 5xx, a timeout, a broken connection, LimitExceededFault.
    Transient,
    /// Trying again will not help: the request itself is wrong.
    Permanent,
}

impl ErrorClass {
    /// Whether the same call may succeed later.
    pub(crate) fn is_retryable(self) -> bool {
        matches!(self, ErrorClass::Throttled | ErrorClass::Transient)
    }
}

const THROTTLING_CODES: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
];

/// The two faults every worker-facing SWF operation models.
pub(crate) trait ModeledFaults {
    /// UnknownResourceFault.
    fn is_unknown_resource(&self) -> bool;
    /// OperationNotPermittedFault.
    fn is_not_permitted(&self) -> bool;
}

macro_rules! modeled_faults {
    ($($error:ty),* $(,)?) => {$(
        impl ModeledFaults for $error {
            fn is_unknown_resource(&self) -> bool {
                self.is_unknown_resource_fault()
            }
            fn is_not_permitted(&self) -> bool {
                self.is_operation_not_permitted_fault()
            }
        }
    )*};
}

modeled_faults!(
    aws_sdk_swf::operation::poll_for_activity_task::PollForActivityTaskError,
    aws_sdk_swf::operation::respond_activity_task_completed::RespondActivityTaskCompletedError,
    aws_sdk_swf::operation::respond_activity_task_failed::RespondActivityTaskFailedError,
    aws_sdk_swf::operation::respond_activity_task_canceled::RespondActivityTaskCanceledError,
    aws_sdk_swf::operation::record_activity_task_heartbeat::RecordActivityTaskHeartbeatError,
);

/// Classifies an error from an SWF operation.
pub(crate) fn classify<E>(err: &SdkError<E, HttpResponse>) -> ErrorClass
where
    E: ProvideErrorMetadata + ModeledFaults,
{
    match err {
        SdkError::ServiceError(service) if service.err().is_unknown_resource() => ErrorClass::Gone,
        SdkError::ServiceError(service) if service.err().is_not_permitted() => {
            ErrorClass::NotPermitted
        }
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or_default();
            let status = service.raw().status().as_u16();
            classify_code(code, Some(status))
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            ErrorClass::Transient
        }
        _ => ErrorClass::Permanent,
    }
}

fn classify_code(code: &str, status: Option<u16>) -> ErrorClass {
    match code {
        "UnknownResourceFault" => ErrorClass::Gone,
        "OperationNotPermittedFault" => ErrorClass::NotPermitted,
        "LimitExceededFault" => ErrorClass::Transient,
        c if THROTTLING_CODES.contains(&c) => ErrorClass::Throttled,
        _ if status.is_some_and(|s| s >= 500) => ErrorClass::Transient,
        "InternalFailure" | "ServiceUnavailable" | "InternalServerError" => ErrorClass::Transient,
        _ => ErrorClass::Permanent,
    }
}

/// A per-call configuration with the SDK's retries turned off, for calls the worker retries
/// itself (answers, heartbeats, polls) with its own backoff, deadlines and budget.
pub(crate) fn single_attempt() -> aws_sdk_swf::config::Builder {
    aws_sdk_swf::config::Builder::default()
        .retry_config(aws_sdk_swf::config::retry::RetryConfig::disabled())
}

/// Whether a failed call may have reached SWF and been applied although no answer came back: a
/// timeout, a broken connection or a 5xx. A refused connection or a 4xx answer means it was not.
pub(crate) fn may_have_been_applied<E>(err: &SdkError<E, HttpResponse>) -> bool {
    match err {
        SdkError::ServiceError(service) => service.raw().status().as_u16() >= 500,
        SdkError::DispatchFailure(failure) => {
            !failure.as_connector_error().is_some_and(connection_refused)
        }
        SdkError::TimeoutError(_) | SdkError::ResponseError(_) => true,
        _ => false,
    }
}

/// Whether the connection was refused: nothing was sent.
fn connection_refused(error: &aws_sdk_swf::error::ConnectorError) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(err) = source {
        if err
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused)
        {
            return true;
        }
        source = err.source();
    }
    false
}

/// The error with its whole chain of causes, for logs and error messages.
pub(crate) fn describe<E: std::error::Error + 'static>(err: &SdkError<E, HttpResponse>) -> String {
    DisplayErrorContext(err).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_classes() {
        assert_eq!(
            classify_code("UnknownResourceFault", Some(400)),
            ErrorClass::Gone
        );
        assert_eq!(
            classify_code("OperationNotPermittedFault", Some(400)),
            ErrorClass::NotPermitted
        );
        assert_eq!(
            classify_code("ThrottlingException", Some(400)),
            ErrorClass::Throttled
        );
        assert_eq!(classify_code("", Some(503)), ErrorClass::Transient);
        assert_eq!(
            classify_code("ValidationException", Some(400)),
            ErrorClass::Permanent
        );
        assert!(ErrorClass::Throttled.is_retryable());
        assert!(!ErrorClass::Gone.is_retryable());
    }
}
