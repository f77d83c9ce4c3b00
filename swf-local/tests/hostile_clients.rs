//! swf-local under hostile clients, over HTTP on loopback: fuzzed bodies for every operation,
//! oversized bodies, thousands of idle connections under a 1,024 descriptor limit, slowloris
//! connections; errors stay AWS-shaped, other clients keep getting answers, memory stays bounded.
//!
//! The scenario runs the `swf-local` binary as a child with `ulimit -n 1024` and prints one line
//! `reliability swf-local-hostile-clients: ...`. `SWF_RELIABILITY_HEAVY=1` runs heavier sizes.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use swf_local::{LocalSwf, OPERATIONS};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout};

/// Every wait on one answer or one connection is bounded by this.
const WAIT: Duration = Duration::from_secs(15);

/// One HTTP answer as read off the wire.
struct Reply {
    status: u16,
    /// Header lines, lowercased.
    headers: String,
    body: Vec<u8>,
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let body = String::from_utf8_lossy(&self.body);
        write!(f, "{} {:?} {body}", self.status, self.headers)
    }
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            (key.trim() == name).then(|| value.trim())
        })
    }

    /// Asserts an answer an AWS SDK can read: JSON 1.0, and on errors `__type` and `message`.
    fn assert_aws_shaped(&self, what: &str) {
        assert_eq!(
            self.header("content-type"),
            Some("application/x-amz-json-1.0"),
            "{what}: {self:?}"
        );
        let body: Value = serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{what}: the body is not JSON ({e}): {self:?}"));
        assert!(body.is_object(), "{what}: {body}");
        if self.status != 200 {
            assert!(
                matches!(self.status, 400 | 500 | 503),
                "{what}: status {}",
                self.status
            );
            let kind = body["__type"].as_str().unwrap_or_default();
            assert!(kind.contains('#'), "{what}: no __type in {body}");
            assert!(body["message"].is_string(), "{what}: no message in {body}");
        }
    }

    fn error_type(&self) -> &str {
        let text = std::str::from_utf8(&self.body).unwrap_or_default();
        text.split('#')
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_default()
    }
}

/// A POST as an AWS SDK sends it, with a chosen target and body.
fn request(target: Option<&str>, body: &[u8], close: bool) -> Vec<u8> {
    let mut head = String::from("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    if let Some(target) = target {
        head.push_str(&format!("X-Amz-Target: {target}\r\n"));
    }
    head.push_str("Content-Type: application/x-amz-json-1.0\r\n");
    head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// Splits one whole answer off the front of `bytes`, with the number of bytes it took.
fn split_reply(bytes: &[u8]) -> Option<(Reply, usize)> {
    let head_end = bytes.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&bytes[..head_end]).to_lowercase();
    let mut lines = head.lines();
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: String = lines.map(|l| format!("{l}\n")).collect();
    let length: usize = headers
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let body = bytes.get(head_end..head_end + length)?.to_vec();
    Some((
        Reply {
            status,
            headers,
            body,
        },
        head_end + length,
    ))
}

/// Reads one answer; `None` when the connection is closed before it.
async fn read_reply(stream: &mut TcpStream, pending: &mut Vec<u8>) -> Option<Reply> {
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if let Some((reply, used)) = split_reply(pending) {
            pending.drain(..used);
            return Some(reply);
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => pending.extend_from_slice(&chunk[..n]),
        }
    }
}

/// A keep-alive client that opens a new connection when the server closed the last one.
struct Client {
    addr: SocketAddr,
    stream: Option<TcpStream>,
    pending: Vec<u8>,
    connections: u64,
}

impl Client {
    fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            stream: None,
            pending: Vec::new(),
            connections: 0,
        }
    }

    /// Sends one request and reads its answer, reconnecting once if the connection was closed
    /// while idle.
    async fn call(&mut self, target: Option<&str>, body: &[u8]) -> Option<Reply> {
        for _ in 0..2 {
            if self.stream.is_none() {
                let stream = timeout(WAIT, TcpStream::connect(self.addr))
                    .await
                    .ok()?
                    .ok()?;
                self.connections += 1;
                self.pending.clear();
                self.stream = Some(stream);
            }
            let stream = self.stream.as_mut()?;
            let sent = stream.write_all(&request(target, body, false)).await;
            let reply = match sent {
                Ok(()) => timeout(WAIT, read_reply(stream, &mut self.pending))
                    .await
                    .ok()
                    .flatten(),
                Err(_) => None,
            };
            match reply {
                Some(reply) => {
                    if reply.header("connection") == Some("close") {
                        self.stream = None;
                    }
                    return Some(reply);
                }
                None => self.stream = None,
            }
        }
        None
    }
}

fn list_domains() -> Vec<u8> {
    br#"{"registrationStatus":"REGISTERED"}"#.to_vec()
}

const LIST_DOMAINS: Option<&str> = Some("SimpleWorkflowService.ListDomains");

/// Whether the server closed this connection (end of input or reset), without waiting.
fn closed_by_server(stream: &TcpStream) -> bool {
    let mut byte = [0u8; 1];
    match stream.try_read(&mut byte) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
    }
}

/// The soft limit of open files of a process, from `/proc`.
fn open_files_limit(pid: &str) -> Option<u64> {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// The resident memory of a process in KiB, from `/proc`.
fn resident_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Raises this test process's soft descriptor limit to `wanted` if it can (`prlimit`), and
/// answers the limit it has.
fn raise_own_descriptor_limit(wanted: u64) -> u64 {
    let current = open_files_limit("self").unwrap_or(1024);
    if current >= wanted {
        return current;
    }
    let _ = Command::new("prlimit")
        .arg(format!("--pid={}", std::process::id()))
        .arg(format!("--nofile={wanted}:"))
        .output();
    open_files_limit("self").unwrap_or(current)
}

/// The `swf-local` binary running as a child with at most 1,024 file descriptors.
struct LimitedServer {
    child: std::process::Child,
    addr: SocketAddr,
    stderr: std::path::PathBuf,
}

impl LimitedServer {
    fn start(args: &[&str]) -> Self {
        let stderr = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("hostile-clients-{}.stderr", std::process::id()));
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(r#"ulimit -n 1024 && exec "$0" "$@""#)
            .arg(env!("CARGO_BIN_EXE_swf-local"))
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).expect("create the stderr file"))
            .spawn()
            .expect("start swf-local");
        let stdout = child.stdout.take().expect("the child's stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the listening line");
        let addr = line
            .trim()
            .rsplit("http://")
            .next()
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| {
                let log = std::fs::read_to_string(&stderr).unwrap_or_default();
                panic!("swf-local did not start: {line:?} {log}")
            });
        Self {
            child,
            addr,
            stderr,
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Asserts the child still runs and has not panicked.
    fn assert_healthy(&mut self) {
        assert!(
            matches!(self.child.try_wait(), Ok(None)),
            "swf-local exited: {}",
            std::fs::read_to_string(&self.stderr).unwrap_or_default()
        );
        let log = std::fs::read_to_string(&self.stderr).unwrap_or_default();
        assert!(!log.contains("panicked"), "swf-local panicked: {log}");
    }
}

impl Drop for LimitedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.stderr);
    }
}

/// A random JSON value of any shape: strings, numbers, arrays, objects, deep nesting.
fn random_value(rng: &mut fastrand::Rng, depth: u32) -> Value {
    match rng.u8(0..10) {
        0 => Value::Null,
        1 => json!(rng.bool()),
        2 => json!(rng.i64(..)),
        3 => json!(rng.f64() * 1e9),
        4 if depth < 3 => Value::Array(
            (0..rng.usize(0..4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        5 if depth < 3 => random_object(rng, depth + 1),
        6 => json!("x".repeat(rng.usize(0..40_000))),
        _ => json!(
            (0..rng.usize(0..30))
                .map(|_| rng.alphanumeric())
                .collect::<String>()
        ),
    }
}

/// Field names SWF requests use, so that mistyped values reach the operations' parsers.
const FIELDS: &[&str] = &[
    "domain",
    "name",
    "version",
    "taskList",
    "taskToken",
    "workflowId",
    "runId",
    "execution",
    "activityType",
    "workflowType",
    "decisions",
    "details",
    "reason",
    "result",
    "input",
    "identity",
    "registrationStatus",
    "maximumPageSize",
    "nextPageToken",
    "reverseOrder",
    "workflowExecutionRetentionPeriodInDays",
    "defaultTaskStartToCloseTimeout",
    "startTimeFilter",
];

fn random_object(rng: &mut fastrand::Rng, depth: u32) -> Value {
    let mut object = serde_json::Map::new();
    for _ in 0..rng.usize(0..6) {
        let key = FIELDS[rng.usize(..FIELDS.len())];
        object.insert(key.to_owned(), random_value(rng, depth));
    }
    Value::Object(object)
}

/// One fuzzed body: random bytes, truncated JSON, mistyped JSON or deep nesting.
fn fuzzed_body(rng: &mut fastrand::Rng, case: usize) -> Vec<u8> {
    match case % 5 {
        0 => (0..rng.usize(0..2048)).map(|_| rng.u8(..)).collect(),
        1 => {
            let whole = serde_json::to_vec(&random_object(rng, 0)).unwrap_or_default();
            let cut = rng.usize(0..=whole.len());
            whole[..cut].to_vec()
        }
        2 => serde_json::to_vec(&random_object(rng, 0)).unwrap_or_default(),
        3 => {
            let depth = rng.usize(100..5_000);
            format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes()
        }
        _ => serde_json::to_vec(&random_value(rng, 0)).unwrap_or_default(),
    }
}

/// A wrong `X-Amz-Target` for an operation, or none.
fn wrong_target(rng: &mut fastrand::Rng, operation: &str) -> Option<String> {
    match rng.u8(0..5) {
        0 => None,
        1 => Some(operation.to_owned()),
        2 => Some(format!(
            "SimpleWorkflowService.{}",
            operation.to_lowercase()
        )),
        3 => Some(format!("AmazonSWF.{operation}")),
        _ => Some(format!("SimpleWorkflowService.{operation}Frob")),
    }
}

/// Sizes of the scenario; `SWF_RELIABILITY_HEAVY=1` makes them heavier.
struct Sizes {
    idle: usize,
    slowloris: usize,
    fuzz_per_operation: usize,
    oversized: usize,
    normal: usize,
}

impl Sizes {
    fn from_env() -> Self {
        if std::env::var("SWF_RELIABILITY_HEAVY").is_ok_and(|v| v == "1") {
            Self {
                idle: 6_000,
                slowloris: 200,
                fuzz_per_operation: 200,
                oversized: 20,
                normal: 200,
            }
        } else {
            Self {
                idle: 2_000,
                slowloris: 50,
                fuzz_per_operation: 16,
                oversized: 4,
                normal: 20,
            }
        }
    }
}

/// Sends an oversized body (declared or chunked) on a fresh connection and reads the whole
/// answer to the end: a 400 with `Connection: close`, then a clean end of input.
async fn send_oversized(addr: SocketAddr, chunked: bool) -> Reply {
    let mut stream = timeout(WAIT, TcpStream::connect(addr))
        .await
        .expect("connect in time")
        .expect("connect");
    let size = swf_local::MAX_REQUEST_BYTES + 1 + 200_000;
    let head = if chunked {
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: SimpleWorkflowService.RegisterDomain\r\nContent-Type: application/x-amz-json-1.0\r\nTransfer-Encoding: chunked\r\n\r\n".to_owned()
    } else {
        format!(
            "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: SimpleWorkflowService.RegisterDomain\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: {size}\r\n\r\n"
        )
    };
    let mut bytes = head.into_bytes();
    let chunk = vec![b' '; 64 * 1024];
    let mut sent = 0;
    while sent < size {
        let n = chunk.len().min(size - sent);
        if chunked {
            bytes.extend_from_slice(format!("{n:x}\r\n").as_bytes());
            bytes.extend_from_slice(&chunk[..n]);
            bytes.extend_from_slice(b"\r\n");
        } else {
            bytes.extend_from_slice(&chunk[..n]);
        }
        sent += n;
    }
    if chunked {
        bytes.extend_from_slice(b"0\r\n\r\n");
    }
    // A client that writes its whole request before reading, as simple clients do.
    timeout(WAIT, stream.write_all(&bytes))
        .await
        .expect("the server reads what it refuses instead of blocking the client")
        .expect("write the oversized request");
    let mut raw = Vec::new();
    timeout(WAIT, stream.read_to_end(&mut raw))
        .await
        .expect("the answer ends in time")
        .expect("the answer ends cleanly, not with a reset");
    let (reply, used) = split_reply(&raw).expect("a whole answer before the end of input");
    assert_eq!(used, raw.len(), "nothing follows the answer");
    reply
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swf_local_keeps_answering_hostile_clients_under_a_1024_descriptor_limit() {
    let started = Instant::now();
    let mut sizes = Sizes::from_env();
    let own_limit = raise_own_descriptor_limit((sizes.idle + sizes.slowloris + 512) as u64);
    sizes.idle = sizes
        .idle
        .min(own_limit.saturating_sub(sizes.slowloris as u64 + 256) as usize);
    let header_read_timeout_secs = 2;
    let mut server = LimitedServer::start(&[
        "--poll-timeout-secs",
        "1",
        "--header-read-timeout-secs",
        &header_read_timeout_secs.to_string(),
        "--idle-timeout-secs",
        "60",
    ]);
    let child_limit = open_files_limit(&server.pid().to_string());
    assert_eq!(child_limit, Some(1024), "the child's descriptor limit");
    let addr = server.addr;
    let rss_before = resident_kib(server.pid()).unwrap_or(0);
    let mut connections: u64 = 0;
    let mut answered: u64 = 0;

    // A client served before the storm keeps its connection.
    let mut regular = Client::new(addr);
    let reply = regular
        .call(
            Some("SimpleWorkflowService.RegisterDomain"),
            br#"{"name":"hostile","workflowExecutionRetentionPeriodInDays":"1"}"#,
        )
        .await
        .expect("an answer before the storm");
    assert_eq!(reply.status, 200, "{reply:?}");
    answered += 1;

    // Thousands of idle connections, more than the child has descriptors.
    let mut idle = Vec::with_capacity(sizes.idle);
    for _ in 0..sizes.idle {
        match timeout(WAIT, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => idle.push(stream),
            other => panic!("idle connection {} failed: {other:?}", idle.len()),
        }
    }
    connections += idle.len() as u64;
    let settle = Instant::now();
    let mut idle_closed = idle.iter().filter(|s| closed_by_server(s)).count();
    while idle.len() - idle_closed > swf_local::DEFAULT_MAX_CONNECTIONS && settle.elapsed() < WAIT {
        tokio::time::sleep(Duration::from_millis(100)).await;
        idle_closed = idle.iter().filter(|s| closed_by_server(s)).count();
    }
    let idle_left_open = idle.len() - idle_closed;
    assert!(
        idle_left_open <= swf_local::DEFAULT_MAX_CONNECTIONS,
        "{idle_left_open} idle connections still open, above the cap"
    );

    // Slowloris: headers a byte at a time, until the server closes the connection.
    let mut slowloris = tokio::task::JoinSet::new();
    for n in 0..sizes.slowloris {
        slowloris.spawn(async move {
            let mut stream = TcpStream::connect(addr).await.ok()?;
            let head = format!(
                "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: SimpleWorkflowService.ListDomains\r\n{}",
                (0..1000)
                    .map(|i| format!("X-Slow-{n}-{i}: a\r\n"))
                    .collect::<String>()
            );
            let begun = Instant::now();
            for byte in head.as_bytes() {
                if stream.write_all(&[*byte]).await.is_err() || closed_by_server(&stream) {
                    return Some(begun.elapsed());
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
                if begun.elapsed() > WAIT {
                    return None;
                }
            }
            None
        });
    }
    connections += sizes.slowloris as u64;

    // The client served before keeps being answered, and so do new connections.
    let mut fresh = 0;
    for _ in 0..sizes.normal {
        let reply = regular
            .call(LIST_DOMAINS, &list_domains())
            .await
            .expect("the regular client is answered during the storm");
        assert_eq!(reply.status, 200, "{reply:?}");
        let mut once = Client::new(addr);
        let reply = once
            .call(LIST_DOMAINS, &list_domains())
            .await
            .expect("a new connection is answered during the storm");
        assert_eq!(reply.status, 200, "{reply:?}");
        fresh += once.connections;
        answered += 2;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    connections += fresh;

    // Fuzzed bodies for every operation the server dispatches, and wrong targets.
    let mut rng = fastrand::Rng::with_seed(0x5EED);
    let mut fuzzer = Client::new(addr);
    let (mut fuzzed, mut fuzz_ok, mut fuzz_refused) = (0u64, 0u64, 0u64);
    for operation in OPERATIONS {
        for case in 0..sizes.fuzz_per_operation {
            let body = fuzzed_body(&mut rng, case);
            let target = if case % 4 == 3 {
                wrong_target(&mut rng, operation)
            } else {
                Some(format!("SimpleWorkflowService.{operation}"))
            };
            let reply = fuzzer
                .call(target.as_deref(), &body)
                .await
                .unwrap_or_else(|| panic!("no answer to {operation} case {case}"));
            reply.assert_aws_shaped(&format!("{operation} case {case}"));
            if reply.status == 200 {
                fuzz_ok += 1;
            } else {
                fuzz_refused += 1;
                if target.as_deref() != Some(&format!("SimpleWorkflowService.{operation}")) {
                    assert_eq!(reply.error_type(), "UnknownOperationException", "{reply:?}");
                }
            }
            fuzzed += 1;
        }
    }
    connections += fuzzer.connections + regular.connections;
    answered += fuzzed;

    // Oversized bodies: refused with Connection: close, the answer read whole.
    for n in 0..sizes.oversized {
        let reply = send_oversized(addr, n % 2 == 1).await;
        assert_eq!(reply.status, 400, "{reply:?}");
        assert_eq!(reply.header("connection"), Some("close"), "{reply:?}");
        reply.assert_aws_shaped("an oversized body");
        assert_eq!(reply.error_type(), "ValidationException", "{reply:?}");
        connections += 1;
        answered += 1;
    }

    // Every slowloris connection was closed by the server, none answered.
    let mut slowloris_closed = 0;
    let mut slowest = Duration::ZERO;
    while let Some(outcome) = timeout(WAIT, slowloris.join_next())
        .await
        .expect("slowloris clients end in time")
    {
        if let Some(after) = outcome.expect("a slowloris client") {
            slowloris_closed += 1;
            slowest = slowest.max(after);
        }
    }
    assert_eq!(
        slowloris_closed, sizes.slowloris,
        "slowloris connections closed by the server"
    );

    // Still answering, memory bounded, no panic.
    let reply = regular
        .call(LIST_DOMAINS, &list_domains())
        .await
        .expect("answered after the storm");
    assert_eq!(reply.status, 200);
    answered += 1;
    let rss_after = resident_kib(server.pid()).unwrap_or(0);
    assert!(
        rss_after < 256 * 1024,
        "swf-local holds {rss_after} KiB after the storm"
    );
    server.assert_healthy();
    let idle_closed_total = idle.iter().filter(|s| closed_by_server(s)).count();
    // Written to stdout itself, not through the test harness's capture, so that every run shows it.
    let _ = writeln!(
        std::io::stdout(),
        "reliability swf-local-hostile-clients: connections={connections} answered={answered} \
         refused={} idle={} idle_closed={idle_closed_total} slowloris={} slowloris_closed={slowloris_closed} \
         slowest_slowloris_ms={} header_read_timeout_ms={} fuzzed={fuzzed} fuzz_2xx={fuzz_ok} \
         fuzz_errors={fuzz_refused} oversized={} regular_connections={} nofile=1024 \
         rss_before_kib={rss_before} rss_after_kib={rss_after} secs={:.1}",
        idle_closed_total + slowloris_closed,
        idle.len(),
        sizes.slowloris,
        slowest.as_millis(),
        header_read_timeout_secs * 1000,
        sizes.oversized,
        regular.connections,
        started.elapsed().as_secs_f64(),
    );
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_connection_close_and_read_whole() {
    let local = LocalSwf::start().await.expect("start swf-local");
    for chunked in [false, true] {
        let reply = send_oversized(local.addr(), chunked).await;
        assert_eq!(reply.status, 400, "{reply:?}");
        assert_eq!(reply.header("connection"), Some("close"), "{reply:?}");
        reply.assert_aws_shaped("an oversized body");
        assert!(
            String::from_utf8_lossy(&reply.body).contains("1 MB"),
            "{reply:?}"
        );
    }
    // A body of exactly 1 MB is still read (and refused for what it says, not its size).
    let mut client = Client::new(local.addr());
    let mut body =
        br#"{"name":"d","workflowExecutionRetentionPeriodInDays":"1","description":""#.to_vec();
    body.resize(swf_local::MAX_REQUEST_BYTES - 2, b'a');
    body.extend_from_slice(b"\"}");
    let reply = client
        .call(Some("SimpleWorkflowService.RegisterDomain"), &body)
        .await
        .expect("an answer");
    assert_ne!(reply.header("connection"), Some("close"), "{reply:?}");
    assert_eq!(reply.error_type(), "ValidationException", "{reply:?}");
}

#[tokio::test]
async fn slow_and_idle_connections_are_closed_and_counted() {
    let local = LocalSwf::builder()
        .header_read_timeout(Duration::from_millis(300))
        .idle_timeout(Duration::from_millis(600))
        .start()
        .await
        .expect("start swf-local");
    let idle = TcpStream::connect(local.addr()).await.expect("connect");
    let mut slow = TcpStream::connect(local.addr()).await.expect("connect");
    slow.write_all(b"POST / HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    let mut served = Client::new(local.addr());
    let reply = served
        .call(LIST_DOMAINS, &list_domains())
        .await
        .expect("answered");
    assert_eq!(reply.status, 200);
    let deadline = Instant::now() + WAIT;
    let counted = |s: swf_local::ConnectionStats| s.header_timeouts >= 1 && s.idle_timeouts >= 2;
    while !counted(local.connection_stats()) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        closed_by_server(&slow),
        "the slow request's connection is closed"
    );
    assert!(closed_by_server(&idle), "the idle connection is closed");
    let stats = local.connection_stats();
    assert_eq!(stats.header_timeouts, 1, "{stats:?}");
    assert!(stats.idle_timeouts >= 2, "{stats:?}");
    // The client whose idle connection was closed gets answered on a new one.
    let reply = served
        .call(LIST_DOMAINS, &list_domains())
        .await
        .expect("answered again");
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn at_the_cap_idle_connections_give_way_to_new_ones() {
    let local = LocalSwf::builder()
        .max_connections(4)
        .start()
        .await
        .expect("start swf-local");
    let mut regular = Client::new(local.addr());
    assert!(regular.call(LIST_DOMAINS, &list_domains()).await.is_some());
    let mut idle = Vec::new();
    for _ in 0..10 {
        idle.push(TcpStream::connect(local.addr()).await.expect("connect"));
    }
    for _ in 0..5 {
        let mut fresh = Client::new(local.addr());
        let reply = fresh.call(LIST_DOMAINS, &list_domains()).await;
        assert_eq!(reply.map(|r| r.status), Some(200), "a new connection");
        let reply = regular.call(LIST_DOMAINS, &list_domains()).await;
        assert_eq!(reply.map(|r| r.status), Some(200), "the served connection");
    }
    assert_eq!(
        regular.connections, 1,
        "the connection that was served is kept"
    );
    let stats = local.connection_stats();
    assert!(stats.evicted >= 7, "{stats:?}");
    assert!(stats.open <= 5, "{stats:?}");
}
