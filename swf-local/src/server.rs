//! The HTTP side: AWS JSON 1.0 over HTTP/1.1, and [`LocalSwf`], the endpoint started in-process.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_types::SdkConfig;
use aws_types::region::Region;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::{ErrorKind, LocalError, SwfError};
use crate::faults::{FaultAction, FaultConfig, FaultInjector};
use crate::harness::{ActivityHandle, ActivitySpec};
use crate::service::{Service, ServiceConfig, StateStats};

/// The region of the SDK configuration [`LocalSwf::sdk_config`] answers.
pub const REGION: &str = "us-east-1";

/// The largest request body accepted (SWF: 1 MB).
pub const MAX_REQUEST_BYTES: usize = 1024 * 1024;

const TARGET_PREFIX: &str = "SimpleWorkflowService.";

/// Parses a listen address and refuses anything but loopback.
///
/// ```
/// assert!(swf_local::loopback_addr("127.0.0.1:8042").is_ok());
/// assert!(swf_local::loopback_addr("localhost:0").is_ok());
/// assert!(swf_local::loopback_addr("0.0.0.0:8042").is_err());
/// ```
///
/// # Errors
/// [`LocalError::BadAddress`] or [`LocalError::NotLoopback`].
pub fn loopback_addr(addr: &str) -> Result<SocketAddr, LocalError> {
    let resolved: Vec<SocketAddr> = addr
        .to_socket_addrs()
        .map_err(|_| LocalError::BadAddress(addr.to_owned()))?
        .collect();
    let first = resolved
        .iter()
        .find(|a| a.is_ipv4())
        .or(resolved.first())
        .copied()
        .ok_or_else(|| LocalError::BadAddress(addr.to_owned()))?;
    if resolved.iter().all(|a| a.ip().is_loopback()) {
        Ok(first)
    } else {
        Err(LocalError::NotLoopback(addr.to_owned()))
    }
}

/// Settings of [`LocalSwf`]; start with [`LocalSwf::builder`].
#[derive(Debug, Clone)]
pub struct LocalSwfBuilder {
    listen: String,
    service: ServiceConfig,
    faults: FaultConfig,
}

impl Default for LocalSwfBuilder {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:0".to_owned(),
            service: ServiceConfig::default(),
            faults: FaultConfig::default(),
        }
    }
}

impl LocalSwfBuilder {
    /// The loopback address to listen on (default `127.0.0.1:0`, a free port).
    #[must_use]
    pub fn listen(mut self, addr: impl Into<String>) -> Self {
        self.listen = addr.into();
        self
    }

    /// How long an empty long poll is held (default 60 s, as SWF). Tests may shorten it.
    #[must_use]
    pub fn poll_timeout(mut self, timeout: Duration) -> Self {
        self.service.poll_timeout = timeout;
        self
    }

    /// How many closed executions stay readable before the oldest are evicted (default 1000).
    #[must_use]
    pub fn retain_closed(mut self, executions: usize) -> Self {
        self.service.retain_closed = executions;
        self
    }

    /// Seed of task tokens and run ids.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.service.seed = seed;
        self
    }

    /// Answer `ThrottlingException` past SWF's per-operation rate quotas (default: off).
    #[must_use]
    pub fn enforce_quotas(mut self, enforce: bool) -> Self {
        self.service.enforce_quotas = enforce;
        self
    }

    /// Fault injection (default: none).
    #[must_use]
    pub fn faults(mut self, faults: FaultConfig) -> Self {
        self.faults = faults;
        self
    }

    /// Binds the listener and starts serving on the current Tokio runtime.
    ///
    /// # Errors
    /// [`LocalError::NotLoopback`], [`LocalError::BadAddress`], [`LocalError::Bind`],
    /// [`LocalError::NoRuntime`].
    pub async fn start(self) -> Result<LocalSwf, LocalError> {
        let addr = loopback_addr(&self.listen)?;
        let service = Service::new(self.service)?;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| LocalError::Bind {
                addr: addr.to_string(),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| LocalError::Bind {
            addr: addr.to_string(),
            source,
        })?;
        let url = format!("http://{addr}");
        let (shutdown, stopped) = watch::channel(false);
        let faults = Arc::new(FaultInjector::new(self.faults));
        let task = tokio::spawn(serve(listener, service.clone(), faults, stopped));
        tracing::info!(%url, "swf-local listening");
        let sdk_config = SdkConfig::builder()
            .region(Region::new(REGION))
            .endpoint_url(url.clone())
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                "swf-local",
                "swf-local",
                None,
                None,
                "swf-local",
            )))
            .behavior_version(BehaviorVersion::latest())
            .build();
        Ok(LocalSwf {
            url,
            addr,
            service,
            sdk_config,
            shutdown,
            task,
        })
    }
}

/// An in-memory SWF endpoint serving HTTP on loopback. Dropping it stops the server.
///
/// ```no_run
/// # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let local = swf_local::LocalSwf::start().await?;
/// let swf = aws_sdk_swf::Client::new(local.sdk_config());
/// swf.register_domain()
///     .name("demo")
///     .workflow_execution_retention_period_in_days("1")
///     .send()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct LocalSwf {
    url: String,
    addr: SocketAddr,
    service: Service,
    sdk_config: SdkConfig,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl LocalSwf {
    /// Starts an endpoint on a free loopback port with default settings.
    ///
    /// # Errors
    /// See [`LocalSwfBuilder::start`].
    pub async fn start() -> Result<Self, LocalError> {
        Self::builder().start().await
    }

    /// Settings for an endpoint.
    pub fn builder() -> LocalSwfBuilder {
        LocalSwfBuilder::default()
    }

    /// The base URL, e.g. `http://127.0.0.1:40123`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// An SDK configuration for this endpoint: test credentials, region `us-east-1`, the
    /// endpoint URL and the latest behavior version. `aws_sdk_swf::Client::new(local.sdk_config())`.
    pub fn sdk_config(&self) -> &SdkConfig {
        &self.sdk_config
    }

    /// The state machine, for direct calls and inspection.
    pub fn service(&self) -> &Service {
        &self.service
    }

    /// Sizes of the in-memory state.
    pub fn stats(&self) -> StateStats {
        self.service.stats()
    }

    /// Schedules an activity without a decider; see [`Service::schedule_activity`].
    ///
    /// # Errors
    /// [`LocalError::Swf`] with `ValidationException` for invalid names or sizes.
    pub fn schedule_activity(&self, spec: ActivitySpec) -> Result<ActivityHandle, LocalError> {
        Ok(self.service.schedule_activity(spec)?)
    }

    /// Heartbeats received per activity id of a retained execution; see
    /// [`Service::heartbeat_counts`].
    pub fn heartbeat_counts(
        &self,
        execution: &crate::model::WorkflowExecution,
    ) -> std::collections::BTreeMap<String, u64> {
        self.service.heartbeat_counts(execution)
    }

    /// Stops serving; open connections are closed.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        let _ = (&mut self.task).await;
    }
}

impl Drop for LocalSwf {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        self.task.abort();
    }
}

async fn serve(
    listener: TcpListener,
    service: Service,
    faults: Arc<FaultInjector>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped.changed() => return,
        };
        let (stream, _) = match accepted {
            Ok(conn) => conn,
            Err(error) => {
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let service = service.clone();
        let faults = faults.clone();
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let handler =
                hyper::service::service_fn(move |req| handle(req, service.clone(), faults.clone()));
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), handler);
            tokio::select! {
                result = conn => {
                    if let Err(error) = result {
                        tracing::debug!(%error, "connection closed");
                    }
                }
                _ = stopped.changed() => {}
            }
        });
    }
}

/// The error that makes hyper close the connection without answering (fault injection).
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by fault injection")]
struct DroppedConnection;

fn reply(status: StatusCode, body: &Value) -> Response<Full<Bytes>> {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut response = Response::new(Full::new(Bytes::from(bytes)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/x-amz-json-1.0"),
    );
    headers.insert(
        "x-amzn-requestid",
        hyper::header::HeaderValue::from_static("00000000-0000-0000-0000-000000000000"),
    );
    response
}

fn error_reply(error: &SwfError) -> Response<Full<Bytes>> {
    let status = StatusCode::from_u16(error.kind.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    reply(status, &error.to_body())
}

async fn handle(
    req: Request<Incoming>,
    service: Service,
    faults: Arc<FaultInjector>,
) -> Result<Response<Full<Bytes>>, DroppedConnection> {
    let target = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let Some(operation) = target.strip_prefix(TARGET_PREFIX).map(str::to_owned) else {
        let error = SwfError::new(
            ErrorKind::UnknownOperation,
            format!("X-Amz-Target must be SimpleWorkflowService.<Operation>, got {target:?}"),
        );
        return Ok(error_reply(&error));
    };
    let body = match Limited::new(req.into_body(), MAX_REQUEST_BYTES)
        .collect()
        .await
    {
        Ok(body) => body.to_bytes(),
        Err(_) => {
            return Ok(error_reply(&SwfError::validation(
                "the request is larger than 1 MB or was cut short",
            )));
        }
    };
    let (latency, action) = faults.decide(&operation);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match action {
        FaultAction::None | FaultAction::LoseResponse => {}
        FaultAction::Throttle => {
            return Ok(error_reply(&SwfError::new(
                ErrorKind::Throttling,
                "Rate exceeded",
            )));
        }
        FaultAction::InternalError => {
            return Ok(error_reply(&SwfError::new(
                ErrorKind::InternalFailure,
                "Internal failure (injected)",
            )));
        }
        FaultAction::Unavailable => {
            return Ok(error_reply(&SwfError::new(
                ErrorKind::ServiceUnavailable,
                "Service unavailable (injected)",
            )));
        }
        FaultAction::Drop => return Err(DroppedConnection),
    }
    let input: Value = if body.is_empty() {
        Value::Object(Default::default())
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => {
                return Ok(error_reply(&SwfError::new(
                    ErrorKind::Serialization,
                    format!("the body is not valid JSON: {e}"),
                )));
            }
        }
    };
    let result = service.call(&operation, input).await;
    if action == FaultAction::LoseResponse {
        return Err(DroppedConnection);
    }
    Ok(match result {
        Ok(output) => reply(StatusCode::OK, &output),
        Err(error) => {
            tracing::debug!(%operation, %error, "request refused");
            error_reply(&error)
        }
    })
}
