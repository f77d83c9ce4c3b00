//! Connection hygiene: how long a client may take to send a request or stay idle, how many
//! connections are served at once, and which one gives way when the cap is reached.
//!
//! Every accepted connection is in one [`Phase`]: idle (waiting for the first byte of a
//! request), reading (a request has begun and has not fully arrived), busy (its request is
//! being answered) or closing. A watchdog per connection closes it when an idle or a reading
//! phase outlasts its timeout. When the cap is reached, the idle connection that has never sent
//! a request and has waited longest gives way, then the least recently used idle one; a
//! connection that is reading or being answered is never closed to make room.

use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::Instant;

/// Default of [`ConnectionLimits::header_read_timeout`].
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default of [`ConnectionLimits::idle_timeout`].
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Default of [`ConnectionLimits::max_connections`]: well below the usual 1,024 file
/// descriptors of a process.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

/// How long a connection may take over a request or stay idle, and how many are served at once.
///
/// ```
/// use std::time::Duration;
/// let mut limits = swf_local::ConnectionLimits::default();
/// assert_eq!(limits.header_read_timeout, Duration::from_secs(10));
/// assert_eq!(limits.idle_timeout, Duration::from_secs(60));
/// assert_eq!(limits.max_connections, 512);
/// limits.max_connections = 64;
/// # async fn start(limits: swf_local::ConnectionLimits) -> Result<(), swf_local::LocalError> {
/// let local = swf_local::LocalSwf::builder().connection_limits(limits).start().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionLimits {
    /// How long a request may take to arrive whole (headers and body), from its first byte.
    /// A connection that is slower is closed without an answer.
    pub header_read_timeout: Duration,
    /// How long a connection may wait, after it was accepted or its last answer, for the first
    /// byte of its next request before it is closed. Long polls being held are not idle.
    pub idle_timeout: Duration,
    /// How many connections are open at once. At the cap, an idle connection is closed to make
    /// room for the new one; when none is idle, the new connection is accepted and closed at once.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// What happened to the connections of an endpoint since it started.
///
/// ```
/// # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let local = swf_local::LocalSwf::start().await?;
/// let stats = local.connection_stats();
/// assert_eq!((stats.open, stats.accepted, stats.refused), (0, 0, 0));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionStats {
    /// Connections open now.
    pub open: usize,
    /// Connections accepted and served (not counting those refused at the cap).
    pub accepted: u64,
    /// Connections accepted and closed at once because every slot was reading or busy.
    pub refused: u64,
    /// Idle connections closed to make room for a new one at the cap.
    pub evicted: u64,
    /// Connections closed because a request did not arrive whole within the header-read timeout.
    pub header_timeouts: u64,
    /// Connections closed after waiting longer than the idle timeout for a request.
    pub idle_timeouts: u64,
}

/// Where a connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for the first byte of a request since this instant.
    Idle { since: Instant },
    /// A request began arriving at this instant and is not whole yet.
    Reading { since: Instant },
    /// Its request is being answered.
    Busy,
    /// Chosen to make room at the cap, or the server is stopping.
    Closing,
}

/// Why the watchdog closed a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expiry {
    /// Idle longer than the idle timeout.
    Idle,
    /// A request arrived slower than the header-read timeout.
    HeaderRead,
    /// Closed to make room for a new connection.
    Evicted,
}

#[derive(Debug)]
struct State {
    phase: Phase,
    /// Requests answered on this connection.
    served: u64,
}

/// One accepted connection's phase, shared by its reader, its request handler and its watchdog.
#[derive(Debug)]
pub(crate) struct Connection {
    state: Mutex<State>,
    changed: Notify,
}

impl Connection {
    fn new() -> Self {
        Self {
            state: Mutex::new(State {
                phase: Phase::Idle {
                    since: Instant::now(),
                },
                served: 0,
            }),
            changed: Notify::new(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn set_phase(&self, phase: Phase) {
        let mut state = self.state();
        if state.phase != Phase::Closing {
            state.phase = phase;
        }
        drop(state);
        self.changed.notify_one();
    }

    /// Bytes arrived from the client: an idle connection starts reading a request.
    fn bytes_arrived(&self) {
        let mut state = self.state();
        if let Phase::Idle { .. } = state.phase {
            state.phase = Phase::Reading {
                since: Instant::now(),
            };
            drop(state);
            self.changed.notify_one();
        }
    }

    /// A request's head was parsed (its bytes may have been read while the previous request was
    /// being answered): the connection is reading it, if it was not already.
    pub(crate) fn request_started(&self) {
        self.bytes_arrived();
    }

    /// The request arrived whole: answering it is not bounded by the header-read timeout.
    pub(crate) fn request_read(&self) {
        self.set_phase(Phase::Busy);
    }

    /// The answer is handed to the connection: it is idle from now on.
    pub(crate) fn request_answered(&self) {
        let mut state = self.state();
        state.served += 1;
        if state.phase != Phase::Closing {
            state.phase = Phase::Idle {
                since: Instant::now(),
            };
        }
        drop(state);
        self.changed.notify_one();
    }

    /// Marks the connection closing if it is idle; `true` if it was.
    fn evict(&self) -> bool {
        let mut state = self.state();
        if let Phase::Idle { .. } = state.phase {
            state.phase = Phase::Closing;
            drop(state);
            self.changed.notify_one();
            true
        } else {
            false
        }
    }

    /// The order in which idle connections give way: never used first, then by idle age.
    fn eviction_key(&self) -> Option<(bool, Instant)> {
        let state = self.state();
        match state.phase {
            Phase::Idle { since } => Some((state.served > 0, since)),
            _ => None,
        }
    }

    /// Waits until the connection's phase outlasts its limit or it is chosen to give way.
    ///
    /// # Cancellation safety
    /// Safe to drop and call again: a phase change noticed before is re-read from the state.
    pub(crate) async fn expired(&self, limits: &ConnectionLimits) -> Expiry {
        loop {
            let deadline = match self.state().phase {
                Phase::Closing => return Expiry::Evicted,
                Phase::Idle { since } => Some((since + limits.idle_timeout, Expiry::Idle)),
                Phase::Reading { since } => {
                    Some((since + limits.header_read_timeout, Expiry::HeaderRead))
                }
                Phase::Busy => None,
            };
            match deadline {
                Some((at, _)) if at <= Instant::now() => {
                    // Re-read under the lock: the phase may have moved on since.
                    let state = self.state();
                    match state.phase {
                        Phase::Idle { since } if since + limits.idle_timeout <= Instant::now() => {
                            return Expiry::Idle;
                        }
                        Phase::Reading { since }
                            if since + limits.header_read_timeout <= Instant::now() =>
                        {
                            return Expiry::HeaderRead;
                        }
                        _ => continue,
                    }
                }
                Some((at, _)) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = self.changed.notified() => {}
                    }
                }
                None => self.changed.notified().await,
            }
        }
    }

    /// Whether the connection was chosen to give way or the server is stopping.
    pub(crate) fn is_closing(&self) -> bool {
        self.state().phase == Phase::Closing
    }

    /// Resolves when the connection is chosen to give way.
    pub(crate) async fn closing(&self) {
        while !self.is_closing() {
            self.changed.notified().await;
        }
    }
}

/// The open connections and the counts of [`ConnectionStats`].
#[derive(Debug, Default)]
pub(crate) struct Registry {
    open: Mutex<HashMap<u64, Arc<Connection>>>,
    next_id: AtomicU64,
    accepted: AtomicU64,
    refused: AtomicU64,
    evicted: AtomicU64,
    header_timeouts: AtomicU64,
    idle_timeouts: AtomicU64,
}

/// What to do with a newly accepted connection.
pub(crate) enum Admission {
    /// Serve it; it leaves the registry when the guard is dropped.
    Serve(Arc<Connection>, Slot),
    /// Close it at once: every slot is reading or busy.
    Refuse,
}

/// A connection's place in the registry, freed on drop.
#[derive(Debug)]
pub(crate) struct Slot {
    registry: Arc<Registry>,
    id: u64,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.registry.open_map().remove(&self.id);
    }
}

impl Registry {
    fn open_map(&self) -> MutexGuard<'_, HashMap<u64, Arc<Connection>>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Admits a new connection, making room at the cap by closing an idle one.
    pub(crate) fn admit(self: &Arc<Self>, max_connections: usize) -> Admission {
        let mut open = self.open_map();
        let occupied = open.values().filter(|c| !c.is_closing()).count();
        if occupied >= max_connections {
            if Self::evict_one(&open) {
                self.evicted.fetch_add(1, Ordering::Relaxed);
            } else {
                self.refused.fetch_add(1, Ordering::Relaxed);
                return Admission::Refuse;
            }
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let connection = Arc::new(Connection::new());
        open.insert(id, connection.clone());
        self.accepted.fetch_add(1, Ordering::Relaxed);
        Admission::Serve(
            connection,
            Slot {
                registry: self.clone(),
                id,
            },
        )
    }

    /// Closes one idle connection to free its descriptor (the process ran out of them);
    /// `true` if one was idle.
    pub(crate) fn evict_for_descriptor(&self) -> bool {
        let evicted = Self::evict_one(&self.open_map());
        if evicted {
            self.evicted.fetch_add(1, Ordering::Relaxed);
        }
        evicted
    }

    fn evict_one(open: &HashMap<u64, Arc<Connection>>) -> bool {
        let victim = open
            .values()
            .filter_map(|c| c.eviction_key().map(|key| (key, c)))
            .min_by_key(|(key, _)| *key)
            .map(|(_, c)| c.clone());
        victim.is_some_and(|c| c.evict())
    }

    /// Counts a connection closed by its watchdog.
    pub(crate) fn record_expiry(&self, expiry: Expiry) {
        match expiry {
            Expiry::Idle => self.idle_timeouts.fetch_add(1, Ordering::Relaxed),
            Expiry::HeaderRead => self.header_timeouts.fetch_add(1, Ordering::Relaxed),
            Expiry::Evicted => 0,
        };
    }

    pub(crate) fn stats(&self) -> ConnectionStats {
        ConnectionStats {
            open: self.open_map().len(),
            accepted: self.accepted.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
            evicted: self.evicted.load(Ordering::Relaxed),
            header_timeouts: self.header_timeouts.load(Ordering::Relaxed),
            idle_timeouts: self.idle_timeouts.load(Ordering::Relaxed),
        }
    }
}

/// A TCP stream that tells its [`Connection`] when request bytes arrive.
#[derive(Debug)]
pub(crate) struct TrackedStream {
    stream: TcpStream,
    connection: Arc<Connection>,
}

impl TrackedStream {
    pub(crate) fn new(stream: TcpStream, connection: Arc<Connection>) -> Self {
        Self { stream, connection }
    }

    pub(crate) fn into_inner(self) -> TcpStream {
        self.stream
    }
}

impl AsyncRead for TrackedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.connection.bytes_arrived();
        }
        polled
    }
}

impl AsyncWrite for TrackedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> ConnectionLimits {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(2),
            idle_timeout: Duration::from_secs(5),
            max_connections: 2,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_connection_expires_after_the_idle_timeout() {
        let connection = Connection::new();
        let started = Instant::now();
        assert_eq!(connection.expired(&limits()).await, Expiry::Idle);
        assert_eq!(started.elapsed(), Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_begun_late_gets_the_header_read_timeout_from_its_first_byte() {
        let connection = Arc::new(Connection::new());
        let started = Instant::now();
        let watched = connection.clone();
        let watchdog = tokio::spawn(async move { watched.expired(&limits()).await });
        tokio::time::sleep(Duration::from_secs(1)).await;
        connection.bytes_arrived();
        let expiry = tokio::time::timeout(Duration::from_secs(60), watchdog).await;
        assert!(matches!(expiry, Ok(Ok(Expiry::HeaderRead))), "{expiry:?}");
        assert_eq!(started.elapsed(), Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn a_busy_connection_never_expires_and_idles_again_after_its_answer() {
        let connection = Arc::new(Connection::new());
        connection.bytes_arrived();
        connection.request_read();
        let watched = connection.clone();
        let watchdog = tokio::spawn(async move { watched.expired(&limits()).await });
        tokio::time::sleep(Duration::from_secs(600)).await;
        assert!(!watchdog.is_finished());
        let answered = Instant::now();
        connection.request_answered();
        let expiry = tokio::time::timeout(Duration::from_secs(60), watchdog).await;
        assert!(matches!(expiry, Ok(Ok(Expiry::Idle))), "{expiry:?}");
        assert_eq!(answered.elapsed(), Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn at_the_cap_a_never_used_idle_connection_gives_way_before_a_used_one() {
        let registry = Arc::new(Registry::default());
        let Admission::Serve(used, _used_slot) = registry.admit(2) else {
            panic!("the first connection is refused");
        };
        used.bytes_arrived();
        used.request_read();
        used.request_answered();
        tokio::time::sleep(Duration::from_secs(1)).await;
        let Admission::Serve(fresh, _fresh_slot) = registry.admit(2) else {
            panic!("the second connection is refused");
        };
        let Admission::Serve(third, _third_slot) = registry.admit(2) else {
            panic!("no idle connection gave way");
        };
        assert!(fresh.is_closing() && !used.is_closing());
        third.bytes_arrived();
        used.bytes_arrived();
        assert!(matches!(registry.admit(2), Admission::Refuse));
        let stats = registry.stats();
        assert_eq!((stats.accepted, stats.evicted, stats.refused), (3, 1, 1));
    }
}
