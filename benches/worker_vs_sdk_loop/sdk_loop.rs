//! What a Rust user writes without the framework: pollers that wait for a free slot, long poll
//! with PollForActivityTask, run the activity on a task of its own and answer with
//! RespondActivityTaskCompleted. No heartbeats.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_swf::Client;
use aws_sdk_swf::types::TaskList;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::activities::{DOMAIN, SLEEPER, TASK_LIST, sleep_until_released};

/// Polls with `pollers` long polls and runs at most `concurrency` activities at once until `stop`
/// turns true, then waits for the running activities.
pub async fn run(client: Client, pollers: usize, concurrency: usize, stop: watch::Receiver<bool>) {
    let slots = Arc::new(Semaphore::new(concurrency));
    let mut polls = JoinSet::new();
    for _ in 0..pollers {
        polls.spawn(poll(client.clone(), slots.clone(), stop.clone()));
    }
    while polls.join_next().await.is_some() {}
    // Every running activity holds a slot until it has answered.
    let all = u32::try_from(concurrency).unwrap_or(u32::MAX);
    let _ = slots.acquire_many(all).await;
}

async fn poll(client: Client, slots: Arc<Semaphore>, mut stop: watch::Receiver<bool>) {
    let task_list = TaskList::builder().name(TASK_LIST).build().ok();
    while !*stop.borrow() {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let polled = tokio::select! {
            polled = client
                .poll_for_activity_task()
                .domain(DOMAIN)
                .set_task_list(task_list.clone())
                .identity("sdk-loop")
                .send() => polled,
            _ = stop.wait_for(|stopped| *stopped) => return,
        };
        let task = match polled {
            Ok(task) if !task.task_token().is_empty() => task,
            Ok(_) => continue,
            Err(error) => {
                eprintln!("poll failed: {error}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let client = client.clone();
        tokio::spawn(async move {
            if task.activity_type().is_some_and(|t| t.name() == SLEEPER) {
                sleep_until_released().await;
            }
            if let Err(error) = client
                .respond_activity_task_completed()
                .task_token(task.task_token())
                .send()
                .await
            {
                eprintln!("answer failed: {error}");
            }
            drop(slot);
        });
    }
}
