//! A loopback TCP proxy between the worker and the endpoint that can refuse or black-hole
//! connections, and counts the connections it is offered.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What the proxy does with connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Passes bytes both ways.
    Forward,
    /// Resets every connection as soon as it is accepted.
    Refuse,
    /// Accepts connections and never answers; nothing reaches the endpoint.
    BlackHole,
}

/// The proxy; dropping it stops it and closes every connection.
pub struct Proxy {
    addr: SocketAddr,
    mode: watch::Sender<Mode>,
    connections: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

impl Proxy {
    /// Listens on a free loopback port and forwards to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the proxy binds a loopback port");
        let addr = listener.local_addr().expect("the proxy's address");
        let (mode, watching) = watch::channel(Mode::Forward);
        let connections = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn(accept(listener, upstream, watching, connections.clone()));
        Proxy {
            addr,
            mode,
            connections,
            task,
        }
    }

    /// The URL to give the worker.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Switches mode. Leaving `Forward` cuts every forwarded connection, as a network failure does.
    pub fn set(&self, mode: Mode) {
        self.mode.send_replace(mode);
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept(
    listener: TcpListener,
    upstream: SocketAddr,
    mode: watch::Receiver<Mode>,
    connections: Arc<AtomicU64>,
) {
    let mut held = tokio::task::JoinSet::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            Some(_) = held.join_next(), if !held.is_empty() => continue,
        };
        let Ok((client, _)) = accepted else {
            continue;
        };
        connections.fetch_add(1, Ordering::Relaxed);
        let current = *mode.borrow();
        match current {
            Mode::Refuse => {
                let _ = client.set_zero_linger();
                drop(client);
            }
            Mode::BlackHole => {
                held.spawn(hold(client, mode.clone()));
            }
            Mode::Forward => {
                held.spawn(forward(client, upstream, mode.clone()));
            }
        }
    }
}

/// Keeps the connection open, unanswered, until the mode changes.
async fn hold(client: TcpStream, mut mode: watch::Receiver<Mode>) {
    let _ = mode.changed().await;
    let _ = client.set_zero_linger();
    drop(client);
}

/// Passes bytes both ways until either side closes or the proxy stops forwarding.
async fn forward(mut client: TcpStream, upstream: SocketAddr, mut mode: watch::Receiver<Mode>) {
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        _ = mode.wait_for(|m| *m != Mode::Forward) => {
            let _ = client.set_zero_linger();
        }
    }
}
