//! Asking a worker to stop, from anywhere.

use std::sync::Arc;

use tokio::sync::watch;
use tokio::time::Instant;

/// Asks a running worker to shut down gracefully. Cheap to clone; send it to a signal handler,
/// an admin endpoint or a test.
///
/// ```no_run
/// # async fn example(worker: swf_activity::worker::Worker) {
/// let handle = worker.shutdown_handle();
/// tokio::spawn(async move {
///     tokio::time::sleep(std::time::Duration::from_secs(60)).await;
///     handle.shutdown();
/// });
/// worker.run().await.expect("worker failed");
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct ShutdownHandle {
    began: Arc<watch::Sender<Option<Instant>>>,
    forced: Arc<watch::Sender<bool>>,
}

impl ShutdownHandle {
    pub(crate) fn new() -> Self {
        ShutdownHandle {
            began: Arc::new(watch::channel(None).0),
            forced: Arc::new(watch::channel(false).0),
        }
    }

    /// Stops at once instead of gracefully (and begins the shutdown if it had not begun):
    /// running activities are stopped and answered failed ("worker shut down"), and polls in
    /// flight are abandoned. A task such a poll was about to hand over stays open until one of
    /// its timeouts fires, so keep this for an operator who insists (a second Ctrl-C under
    /// [`Worker::run`](super::Worker::run)).
    pub fn force(&self) {
        self.shutdown();
        self.forced
            .send_if_modified(|forced| !std::mem::replace(forced, true));
    }

    /// Whether [`force`](Self::force) was called.
    pub fn is_forced(&self) -> bool {
        *self.forced.borrow()
    }

    pub(crate) fn subscribe_forced(&self) -> watch::Receiver<bool> {
        self.forced.subscribe()
    }

    /// Begins the shutdown; calling it again changes nothing.
    pub fn shutdown(&self) {
        self.began.send_if_modified(|began| {
            if began.is_some() {
                return false;
            }
            *began = Some(Instant::now());
            true
        });
    }

    /// Whether shutdown has begun.
    pub fn is_shutting_down(&self) -> bool {
        self.began.borrow().is_some()
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<Option<Instant>> {
        self.began.subscribe()
    }
}
