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

use crate::connections::{
    Admission, Connection, ConnectionLimits, ConnectionStats, Registry, TrackedStream,
};
use crate::error::{ErrorKind, LocalError, SwfError};
use crate::faults::{FaultAction, FaultConfig, FaultInjector};
use crate::harness::{ActivityHandle, ActivitySpec};
use crate::service::{OPERATIONS, Service, ServiceConfig, StateStats};

/// The region of the SDK configuration [`LocalSwf::sdk_config`] answers.
pub const REGION: &str = "us-east-1";

/// The largest request body accepted (SWF: 1 MB).
pub const MAX_REQUEST_BYTES: usize = 1024 * 1024;

const TARGET_PREFIX: &str = "SimpleWorkflowService.";

/// How long a connection closed after a refused request keeps reading (and discarding) what the
/// client still sends, so that the client can read the whole answer before the socket closes.
const LINGER: Duration = Duration::from_secs(2);

/// The most a connection's read or write buffer grows to (SWF requests' headers are a few KB).
const MAX_BUFFER_BYTES: usize = 64 * 1024;

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
    limits: ConnectionLimits,
}

impl Default for LocalSwfBuilder {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:0".to_owned(),
            service: ServiceConfig::default(),
            faults: FaultConfig::default(),
            limits: ConnectionLimits::default(),
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

    /// How long a request may take to arrive whole, headers and body, from its first byte
    /// (default 10 s); a slower connection is closed without an answer.
    #[must_use]
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.limits.header_read_timeout = timeout;
        self
    }

    /// How long a connection may wait for its next request before it is closed (default 60 s).
    /// A long poll being held is not idle.
    #[must_use]
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.limits.idle_timeout = timeout;
        self
    }

    /// How many connections are open at once (default 512). At the cap an idle connection is
    /// closed to make room (one that never sent a request first, then the least recently
    /// used); when none is idle, the new connection is accepted and closed at once.
    #[must_use]
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.limits.max_connections = connections;
        self
    }

    /// All connection limits at once; see [`ConnectionLimits`].
    #[must_use]
    pub fn connection_limits(mut self, limits: ConnectionLimits) -> Self {
        self.limits = limits;
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
        let connections = Arc::new(Registry::default());
        let task = tokio::spawn(serve(
            listener,
            Served {
                service: service.clone(),
                faults,
                connections: connections.clone(),
                limits: self.limits,
            },
            stopped,
        ));
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
            connections,
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
    connections: Arc<Registry>,
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

    /// What happened to the endpoint's connections: open now, accepted, refused and evicted at
    /// the cap, closed by the header-read and idle timeouts.
    pub fn connection_stats(&self) -> ConnectionStats {
        self.connections.stats()
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

/// What every connection of one endpoint shares.
#[derive(Debug, Clone)]
struct Served {
    service: Service,
    faults: Arc<FaultInjector>,
    connections: Arc<Registry>,
    limits: ConnectionLimits,
}

/// Whether an accept error means the process is out of file descriptors (EMFILE, ENFILE).
fn out_of_descriptors(error: &std::io::Error) -> bool {
    matches!(error.raw_os_error(), Some(23 | 24))
}

async fn serve(listener: TcpListener, served: Served, mut stopped: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped.changed() => return,
        };
        let (stream, _) = match accepted {
            Ok(conn) => conn,
            Err(error) => {
                if out_of_descriptors(&error) && served.connections.evict_for_descriptor() {
                    tracing::debug!(%error, "out of descriptors: closed an idle connection");
                } else {
                    tracing::warn!(%error, "accept failed");
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let (connection, slot) = match served.connections.admit(served.limits.max_connections) {
            Admission::Serve(connection, slot) => (connection, slot),
            Admission::Refuse => {
                tracing::debug!("every connection is busy: refused a new one");
                drop(stream);
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let served = served.clone();
        let stopped = stopped.clone();
        tokio::spawn(async move {
            serve_connection(stream, connection, served, stopped).await;
            drop(slot);
        });
    }
}

/// Serves one connection until it closes, times out, gives way at the cap or the server stops.
async fn serve_connection(
    stream: tokio::net::TcpStream,
    connection: Arc<Connection>,
    served: Served,
    mut stopped: watch::Receiver<bool>,
) {
    let limits = served.limits;
    let registry = served.connections.clone();
    let handler_connection = connection.clone();
    // Boxed: hyper hands the connection back only when its handler futures are `Unpin`.
    let handler = hyper::service::service_fn(move |req| {
        Box::pin(handle(
            req,
            served.service.clone(),
            served.faults.clone(),
            handler_connection.clone(),
        ))
    });
    let mut conn = hyper::server::conn::http1::Builder::new()
        .max_buf_size(MAX_BUFFER_BYTES)
        .serve_connection(
            TokioIo::new(TrackedStream::new(stream, connection.clone())),
            handler,
        );
    let finished = tokio::select! {
        result = std::future::poll_fn(|cx| conn.poll_without_shutdown(cx)) => result,
        expiry = connection.expired(&limits) => {
            tracing::debug!(?expiry, "connection closed by its watchdog");
            registry.record_expiry(expiry);
            return;
        }
        _ = stopped.changed() => return,
    };
    if let Err(error) = finished {
        tracing::debug!(%error, "connection closed");
        return;
    }
    // The connection ended on a `Connection: close` answer or the client's end of input: say
    // so with a FIN and discard what the client still sends for a while, so that it reads
    // the whole answer rather than a reset.
    let mut stream = conn.into_parts().io.into_inner().into_inner();
    tokio::select! {
        () = linger(&mut stream) => {}
        () = connection.closing() => {}
        _ = stopped.changed() => {}
    }
}

async fn linger(stream: &mut tokio::net::TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    if stream.shutdown().await.is_err() {
        return;
    }
    let mut sink = [0u8; 16 * 1024];
    let _ = tokio::time::timeout(LINGER, async {
        while let Ok(read) = stream.read(&mut sink).await {
            if read == 0 {
                break;
            }
        }
    })
    .await;
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
    connection: Arc<Connection>,
) -> Result<Response<Full<Bytes>>, DroppedConnection> {
    connection.request_started();
    let answer = answer(req, service, faults, &connection).await;
    connection.request_answered();
    answer
}

/// An answer after which the connection is closed: the rest of the request was not read.
fn closing(mut response: Response<Full<Bytes>>) -> Response<Full<Bytes>> {
    response.headers_mut().insert(
        hyper::header::CONNECTION,
        hyper::header::HeaderValue::from_static("close"),
    );
    response
}

/// Reads a request's body, refusing one over [`MAX_REQUEST_BYTES`] before reading it when its
/// length is declared.
async fn read_body(req: Request<Incoming>) -> Result<Bytes, SwfError> {
    let declared = req
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = |size: &str| {
        SwfError::validation(format!(
            "the request body is larger than SWF's limit of 1 MB ({MAX_REQUEST_BYTES} bytes){size}; \
             send less data per request"
        ))
    };
    if let Some(length) = declared.filter(|n| *n > MAX_REQUEST_BYTES as u64) {
        return Err(too_large(&format!(": {length} bytes")));
    }
    match Limited::new(req.into_body(), MAX_REQUEST_BYTES)
        .collect()
        .await
    {
        Ok(body) => Ok(body.to_bytes()),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => Err(too_large("")),
        Err(error) => Err(SwfError::new(
            ErrorKind::Serialization,
            format!("the request body was cut short: {error}"),
        )),
    }
}

async fn answer(
    req: Request<Incoming>,
    service: Service,
    faults: Arc<FaultInjector>,
    connection: &Connection,
) -> Result<Response<Full<Bytes>>, DroppedConnection> {
    let target = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = match read_body(req).await {
        Ok(body) => body,
        Err(error) => return Ok(closing(error_reply(&error))),
    };
    connection.request_read();
    let Some(operation) = target.strip_prefix(TARGET_PREFIX).map(str::to_owned) else {
        let error = SwfError::new(
            ErrorKind::UnknownOperation,
            format!("X-Amz-Target must be SimpleWorkflowService.<Operation>, got {target:?}"),
        );
        return Ok(error_reply(&error));
    };
    if !OPERATIONS.contains(&operation.as_str()) {
        // As SWF: an unknown operation is refused before its body is looked at.
        let error = SwfError::new(
            ErrorKind::UnknownOperation,
            format!("{operation} is not an operation of SimpleWorkflowService"),
        );
        return Ok(error_reply(&error));
    }
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
