//! Errors: the AWS-style faults the endpoint answers with, and the errors of the Rust API.

use std::fmt;

/// The kind of an AWS-style error answered by the endpoint.
///
/// Each kind maps to the `__type` an AWS SDK matches on and to an HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The named resource (domain, type, execution, task token) does not exist or is closed.
    UnknownResource,
    /// The activity or workflow type is already registered.
    TypeAlreadyExists,
    /// The domain is already registered.
    DomainAlreadyExists,
    /// The domain is deprecated (DeprecateDomain twice).
    DomainDeprecated,
    /// The type is deprecated: no new executions or tasks of it, no second deprecation.
    TypeDeprecated,
    /// A resource would carry more than 50 tags.
    TooManyTags,
    /// An open execution with the same workflow id already exists in the domain.
    WorkflowExecutionAlreadyStarted,
    /// A required value is neither given nor registered as a default.
    DefaultUndefined,
    /// The operation is not permitted.
    OperationNotPermitted,
    /// A service limit was reached.
    LimitExceeded,
    /// A request field violates a documented constraint.
    Validation,
    /// The request was throttled (fault injection).
    Throttling,
    /// The request body is not valid JSON.
    Serialization,
    /// The `X-Amz-Target` names no operation this endpoint knows.
    UnknownOperation,
    /// An internal failure (HTTP 500, fault injection).
    InternalFailure,
    /// The service is unavailable (HTTP 503, fault injection).
    ServiceUnavailable,
}

impl ErrorKind {
    /// The fully qualified `__type` of the AWS JSON error body.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::UnknownResource => "com.amazonaws.swf.base.model#UnknownResourceFault",
            Self::TypeAlreadyExists => "com.amazonaws.swf.base.model#TypeAlreadyExistsFault",
            Self::DomainAlreadyExists => "com.amazonaws.swf.base.model#DomainAlreadyExistsFault",
            Self::DomainDeprecated => "com.amazonaws.swf.base.model#DomainDeprecatedFault",
            Self::TypeDeprecated => "com.amazonaws.swf.base.model#TypeDeprecatedFault",
            Self::TooManyTags => "com.amazonaws.swf.base.model#TooManyTagsFault",
            Self::WorkflowExecutionAlreadyStarted => {
                "com.amazonaws.swf.base.model#WorkflowExecutionAlreadyStartedFault"
            }
            Self::DefaultUndefined => "com.amazonaws.swf.base.model#DefaultUndefinedFault",
            Self::OperationNotPermitted => {
                "com.amazonaws.swf.base.model#OperationNotPermittedFault"
            }
            Self::LimitExceeded => "com.amazonaws.swf.base.model#LimitExceededFault",
            Self::Validation => "com.amazon.coral.validate#ValidationException",
            Self::Throttling => "com.amazon.coral.availability#ThrottlingException",
            Self::Serialization => "com.amazon.coral.service#SerializationException",
            Self::UnknownOperation => "com.amazon.coral.service#UnknownOperationException",
            Self::InternalFailure => "com.amazon.coral.service#InternalFailure",
            Self::ServiceUnavailable => "com.amazon.coral.availability#ServiceUnavailableException",
        }
    }

    /// The short name, e.g. `UnknownResourceFault`.
    pub fn short_name(self) -> &'static str {
        let full = self.type_name();
        full.rsplit('#').next().unwrap_or(full)
    }

    /// The HTTP status code answered with this kind.
    pub fn http_status(self) -> u16 {
        match self {
            Self::InternalFailure => 500,
            Self::ServiceUnavailable => 503,
            _ => 400,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.short_name())
    }
}

/// An AWS-style error as answered by the endpoint: a kind (`__type`) and a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct SwfError {
    /// What went wrong, as the SDKs see it.
    pub kind: ErrorKind,
    /// A sentence for people.
    pub message: String,
}

impl SwfError {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// An `UnknownResourceFault`.
    pub fn unknown(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::UnknownResource, message)
    }

    /// A `ValidationException`.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Validation, message)
    }

    /// The AWS JSON 1.0 error body: `{"__type": ..., "message": ...}`.
    pub fn to_body(&self) -> serde_json::Value {
        serde_json::json!({ "__type": self.kind.type_name(), "message": self.message })
    }
}

/// Errors of the Rust API: starting the endpoint and using the test conveniences.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LocalError {
    /// The endpoint needs a running Tokio runtime.
    #[error(
        "swf-local must be started inside a Tokio runtime (use #[tokio::main] or #[tokio::test])"
    )]
    NoRuntime,
    /// The listen address is not a loopback address.
    #[error(
        "refusing to listen on {0}: swf-local verifies no signatures, so it only listens on loopback addresses (127.0.0.1, ::1, localhost)"
    )]
    NotLoopback(String),
    /// The listen address could not be parsed.
    #[error("invalid listen address {0:?}: expected HOST:PORT such as 127.0.0.1:8042")]
    BadAddress(String),
    /// Binding the listener failed.
    #[error("could not listen on {addr}: {source} (is the port already in use?)")]
    Bind {
        /// The address.
        addr: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A fault specification could not be parsed.
    #[error("invalid fault specification {spec:?}: {reason}")]
    BadFault {
        /// The specification given.
        spec: String,
        /// Why it is invalid.
        reason: String,
    },
    /// The endpoint refused a request made by a convenience method.
    #[error("swf-local refused the request: {0}")]
    Swf(#[from] SwfError),
}
