//! The bounded pool that blocking activities (`#[activity(blocking)]`) run on.
//!
//! A blocking activity's body runs on tokio's blocking threads (`spawn_blocking`), never on the
//! worker's runtime threads, so it may call synchronous SDKs, FFI or CPU-bound code without
//! stalling polls, heartbeats or async activities. The pool's size bounds how many such bodies
//! run at once: a body holds its place until its thread returns, even after the worker has given
//! up on its task, so an abandoned body that ignores cancellation keeps its place.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::activity::ActivityFuture;
use crate::error::ActivityError;
use crate::progress::Progress;

tokio::task_local! {
    /// The pool of the worker (or test environment) running the current task.
    static POOL: BlockingPool;
}

/// A bounded number of places on the blocking threads, shared by every blocking activity of a
/// worker.
#[derive(Clone, Debug)]
pub(crate) struct BlockingPool {
    places: Arc<Semaphore>,
}

impl BlockingPool {
    /// A pool where at most `size` blocking bodies run at once.
    pub(crate) fn new(size: usize) -> Self {
        BlockingPool {
            places: Arc::new(Semaphore::new(size)),
        }
    }

    /// Runs `task` with this pool as the one its blocking activity takes places from.
    pub(crate) fn scope<F: Future>(&self, task: F) -> impl Future<Output = F::Output> + use<F> {
        POOL.scope(self.clone(), task)
    }

    /// Waits for a free place. The task is already started in SWF, so its heartbeats go on while
    /// it waits, whatever its heartbeat mode; a task cancelled meanwhile gives up its turn with the
    /// reason, its body never run.
    async fn place(&self, progress: &Progress) -> Result<OwnedSemaphorePermit, ActivityError> {
        if let Ok(place) = Arc::clone(&self.places).try_acquire_owned() {
            return Ok(place);
        }
        tracing::debug!("blocking activity waits for a place on the blocking pool");
        let _alive = progress.keep_alive();
        tokio::select! {
            place = Arc::clone(&self.places).acquire_owned() => place.map_err(|_| {
                // The pool's semaphore is never closed.
                ActivityError::failed("the worker's blocking pool is closed")
            }),
            reason = progress.cancelled() => Err(ActivityError::from(reason)
                .with_details(&format!("{reason} while waiting for a place on the blocking pool"))),
        }
    }
}

/// What a blocking activity's body returns: the raw result or the activity's error.
pub type BlockingResult = Result<Option<String>, ActivityError>;

/// The future that runs `body` on a blocking thread once the pool has a place for it.
///
/// Without a pool in scope (an activity executed outside a worker and `ActivityEnvironment`), the
/// body runs on tokio's blocking threads unbounded, or on the calling thread when there is no
/// tokio runtime. A panic in the body is resumed in the returned future, where the worker reports
/// it as it reports an async activity's panic.
pub fn run_blocking<F>(progress: Progress, body: F) -> ActivityFuture
where
    F: FnOnce(Progress) -> BlockingResult + Send + 'static,
{
    Box::pin(async move {
        let pool = POOL.try_with(BlockingPool::clone).ok();
        let place = match &pool {
            Some(pool) => Some(pool.place(&progress).await?),
            None => None,
        };
        if tokio::runtime::Handle::try_current().is_err() {
            return body(progress);
        }
        let span = tracing::Span::current();
        let joined = tokio::task::spawn_blocking(move || {
            // Held until the body returns, even if the worker stopped waiting for it.
            let _place = place;
            let _span = span.enter();
            body(progress)
        })
        .await;
        match joined {
            Ok(result) => result,
            // The body's own panic, passed on to whoever supervises the task.
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(_) => Err(ActivityError::failed(
                "the blocking activity was stopped: its runtime is shutting down",
            )),
        }
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn a_pool_bounds_the_bodies_running_at_once() {
        let pool = BlockingPool::new(2);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..5)
            .map(|_| {
                let running = Arc::clone(&running);
                let most = Arc::clone(&most);
                tokio::spawn(pool.scope(run_blocking(Progress::detached(), move |_| {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                    Ok(None)
                })))
            })
            .collect();
        for task in tasks {
            let joined = tokio::time::timeout(Duration::from_secs(10), task).await;
            assert!(matches!(joined, Ok(Ok(Ok(None)))), "{joined:?}");
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_body_keeps_its_place_after_its_future_is_dropped() {
        let pool = BlockingPool::new(1);
        let (release, released) = std::sync::mpsc::channel::<()>();
        let first = tokio::spawn(pool.scope(run_blocking(Progress::detached(), move |_| {
            let _ = released.recv_timeout(Duration::from_secs(10));
            Ok(None)
        })));
        while pool.places.available_permits() == 1 {
            tokio::task::yield_now().await;
        }
        first.abort();
        let _ = first.await;
        assert_eq!(pool.places.available_permits(), 0, "the thread still runs");
        release.send(()).unwrap();
        let second = pool.scope(run_blocking(Progress::detached(), |_| Ok(Some("2".into()))));
        let result = tokio::time::timeout(Duration::from_secs(10), second).await;
        assert_eq!(result.unwrap().unwrap().as_deref(), Some("2"));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_task_cancelled_while_waiting_for_a_place_never_runs() {
        let pool = BlockingPool::new(1);
        let (release, released) = std::sync::mpsc::channel::<()>();
        let first = tokio::spawn(pool.scope(run_blocking(Progress::detached(), move |_| {
            let _ = released.recv_timeout(Duration::from_secs(10));
            Ok(None)
        })));
        while pool.places.available_permits() == 1 {
            tokio::task::yield_now().await;
        }
        let progress = Progress::detached();
        let waiting =
            tokio::spawn(pool.scope(run_blocking(progress.clone(), |_| Ok(Some("ran".into())))));
        tokio::task::yield_now().await;
        progress.cancel_from_worker(crate::CancelReason::Requested);
        let error = tokio::time::timeout(Duration::from_secs(10), waiting)
            .await
            .unwrap()
            .unwrap()
            .unwrap_err();
        assert!(error.is_canceled(), "{error:?}");
        assert_eq!(
            error.details(),
            Some("cancellation requested while waiting for a place on the blocking pool")
        );
        release.send(()).unwrap();
        let first = tokio::time::timeout(Duration::from_secs(10), first).await;
        assert!(matches!(first, Ok(Ok(Ok(None)))), "{first:?}");
    }

    #[test]
    fn without_a_runtime_the_body_runs_on_the_calling_thread() {
        let caller = std::thread::current().id();
        let result = futures::executor::block_on(run_blocking(Progress::detached(), move |_| {
            assert_eq!(std::thread::current().id(), caller);
            Ok(Some("done".into()))
        }));
        assert_eq!(result.unwrap().as_deref(), Some("done"));
    }

    /// Waits for cancellation on its thread, reporting first; `Err` once asked to stop.
    #[crate::activity(crate = "crate", blocking, version = "1", heartbeat_timeout = "10s")]
    fn wait_for_cancel(progress: &Progress) -> Result<String, crate::ActivityError> {
        progress.report("waiting")?;
        for _ in 0..200 {
            if let Some(reason) = progress.wait_cancelled_timeout(Duration::from_millis(50)) {
                return Err(crate::ActivityError::canceled()
                    .with_details(&format!("{reason} on {:?}", std::thread::current().name())));
            }
        }
        Ok("never cancelled".into())
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_test_environment_runs_a_blocking_activity_on_a_blocking_thread() {
        use crate::testing::{ActivityEnvironment, ActivityOutcome, Trigger};

        let env = ActivityEnvironment::new().request_cancellation(Trigger::AfterHeartbeats(0));
        let run = tokio::time::timeout(Duration::from_secs(20), env.run(&wait_for_cancel, None))
            .await
            .unwrap();
        let ActivityOutcome::Canceled {
            details: Some(details),
        } = &run.outcome
        else {
            panic!("{:?}", run.outcome);
        };
        assert!(
            details.starts_with("cancellation requested on"),
            "{details}"
        );
        assert!(
            !details.contains(&format!("{:?}", std::thread::current().name())),
            "{details}"
        );
        assert_eq!(run.heartbeat_details(), [Some("waiting")]);
    }
}
