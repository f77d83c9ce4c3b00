//! Ctrl-C and SIGTERM for [`Worker::run`](super::Worker::run), watched from a thread of their own
//! so that activities blocking the runtime's threads cannot keep a second signal from stopping
//! the process.

use std::io;
use std::sync::mpsc;
use std::time::Duration;

use tokio::sync::oneshot;

use super::ShutdownHandle;

/// How long after the second Ctrl-C or SIGTERM [`Worker::run`](super::Worker::run) lets the
/// process go on before ending it with `std::process::exit(130)`: time to answer the running
/// tasks failed and return, which a thread blocked in an activity would otherwise prevent.
pub const FORCED_EXIT_AFTER: Duration = Duration::from_secs(5);

/// The signal thread of one `run`.
#[derive(Debug)]
pub(crate) struct SignalWatcher {
    done: Option<oneshot::Sender<()>>,
}

impl SignalWatcher {
    /// Starts watching: the first signal begins a graceful shutdown, the second forces it and
    /// ends the process [`FORCED_EXIT_AFTER`] later if it still runs.
    pub(crate) fn start(handle: ShutdownHandle) -> io::Result<Self> {
        let (done_tx, done_rx) = oneshot::channel();
        let (ready_tx, ready_rx) = mpsc::channel::<io::Result<()>>();
        std::thread::Builder::new()
            .name("swf-signals".to_owned())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(err) => {
                        let _ = ready_tx.send(Err(err));
                        return;
                    }
                };
                runtime.block_on(watch(handle, done_rx, ready_tx));
            })?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(SignalWatcher {
                done: Some(done_tx),
            }),
            Ok(Err(err)) => Err(err),
            Err(_) => Err(io::Error::other("the signal thread ended before listening")),
        }
    }

    /// The run is over: stop watching, unless a first signal came (then a second one still ends
    /// the process) or a second one already set the exit timer.
    pub(crate) fn finish(mut self) {
        if let Some(done) = self.done.take() {
            let _ = done.send(());
        }
    }
}

async fn watch(
    handle: ShutdownHandle,
    mut done: oneshot::Receiver<()>,
    ready: mpsc::Sender<io::Result<()>>,
) {
    let mut signals = match Signals::new() {
        Ok(signals) => {
            let _ = ready.send(Ok(()));
            signals
        }
        Err(err) => {
            let _ = ready.send(Err(err));
            return;
        }
    };
    tokio::select! {
        _ = &mut done => return,
        () = signals.next() => {}
    }
    tracing::info!("shutdown signal: finishing gracefully; send it again to stop at once");
    handle.shutdown();
    tokio::select! {
        _ = &mut done => {
            // The run is over, yet something may keep the process alive (an activity blocking a
            // runtime thread holds the runtime's shutdown): a second signal still ends it.
            signals.next().await;
            tracing::warn!("second shutdown signal after the worker stopped: exiting");
            std::process::exit(130);
        }
        () = signals.next() => {}
    }
    tracing::warn!("second shutdown signal: stopping at once");
    handle.force();
    tokio::time::sleep(FORCED_EXIT_AFTER).await;
    tracing::error!(
        after = ?FORCED_EXIT_AFTER,
        "the process still runs after the second shutdown signal (an activity blocks its \
         thread); exiting"
    );
    std::process::exit(130);
}

/// Ctrl-C, and SIGTERM where there is such a thing, each time they arrive.
struct Signals {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> io::Result<Self> {
        Ok(Signals {
            #[cfg(unix)]
            terminate: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?,
        })
    }

    /// Resolves on the next signal (never, if signals cannot be listened for).
    async fn next(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            result = tokio::signal::ctrl_c() => {
                if result.is_err() {
                    std::future::pending::<()>().await;
                }
            }
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
