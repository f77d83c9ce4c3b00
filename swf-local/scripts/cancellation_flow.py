#!/usr/bin/env python3
"""A full activity cancellation flow with boto3 against an SWF endpoint (swf-local).

    AWS_ENDPOINT_URL=http://127.0.0.1:8042 python3 cancellation_flow.py

Schedules an activity, polls it, heartbeats, makes the RequestCancelActivityTask decision,
checks the next heartbeat answers cancelRequested=true, answers RespondActivityTaskCanceled
and checks the history shows ActivityTaskCancelRequested then ActivityTaskCanceled.
"""
import os
import sys
import uuid

import boto3
from botocore.config import Config

ENDPOINT = os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:8042")
DOMAIN = f"boto3-cancel-{uuid.uuid4().hex[:8]}"
DECISIONS = {"name": "decisions"}
WORK = {"name": "work"}


def step(message):
    print(f"[boto3] {message}", flush=True)


def poll_decision(swf):
    for _ in range(5):
        task = swf.poll_for_decision_task(domain=DOMAIN, taskList=DECISIONS, identity="boto3-decider")
        if task.get("taskToken"):
            return task
    sys.exit("no decision task within 5 polls")


def main():
    swf = boto3.client(
        "swf",
        endpoint_url=ENDPOINT,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(read_timeout=70, retries={"max_attempts": 1}),
    )
    swf.register_domain(name=DOMAIN, workflowExecutionRetentionPeriodInDays="1")
    swf.register_activity_type(
        domain=DOMAIN, name="long-job", version="1",
        defaultTaskList=WORK, defaultTaskStartToCloseTimeout="300",
        defaultTaskHeartbeatTimeout="60", defaultTaskScheduleToStartTimeout="60",
        defaultTaskScheduleToCloseTimeout="360",
    )
    swf.register_workflow_type(
        domain=DOMAIN, name="flow", version="1", defaultTaskList=DECISIONS,
        defaultTaskStartToCloseTimeout="60", defaultExecutionStartToCloseTimeout="600",
        defaultChildPolicy="TERMINATE",
    )
    run_id = swf.start_workflow_execution(
        domain=DOMAIN, workflowId="cancel-me", workflowType={"name": "flow", "version": "1"}
    )["runId"]
    step(f"started workflow cancel-me run {run_id}")

    decision = poll_decision(swf)
    swf.respond_decision_task_completed(taskToken=decision["taskToken"], decisions=[{
        "decisionType": "ScheduleActivityTask",
        "scheduleActivityTaskDecisionAttributes": {
            "activityType": {"name": "long-job", "version": "1"},
            "activityId": "job-1", "input": "{}",
        },
    }])
    step("scheduled activity job-1 (type defaults for timeouts and task list)")

    task = swf.poll_for_activity_task(domain=DOMAIN, taskList=WORK, identity="boto3-worker")
    assert task["taskToken"], "expected an activity task"
    assert task["activityId"] == "job-1"
    step("worker polled job-1")

    status = swf.record_activity_task_heartbeat(taskToken=task["taskToken"], details="10%")
    assert status["cancelRequested"] is False, status
    step("heartbeat: cancelRequested=false")

    swf.request_cancel_workflow_execution(domain=DOMAIN, workflowId="cancel-me")
    decision = poll_decision(swf)
    swf.respond_decision_task_completed(taskToken=decision["taskToken"], decisions=[{
        "decisionType": "RequestCancelActivityTask",
        "requestCancelActivityTaskDecisionAttributes": {"activityId": "job-1"},
    }])
    step("decider: RequestCancelActivityTask job-1")

    status = swf.record_activity_task_heartbeat(taskToken=task["taskToken"], details="20%")
    assert status["cancelRequested"] is True, status
    step("heartbeat: cancelRequested=true")

    swf.respond_activity_task_canceled(taskToken=task["taskToken"], details="stopped at 20%")
    step("worker: RespondActivityTaskCanceled")

    events = swf.get_workflow_execution_history(
        domain=DOMAIN, execution={"workflowId": "cancel-me", "runId": run_id}
    )["events"]
    kinds = [e["eventType"] for e in events]
    step("history: " + ", ".join(kinds))
    requested = kinds.index("ActivityTaskCancelRequested")
    canceled = kinds.index("ActivityTaskCanceled")
    assert requested < canceled, kinds
    attrs = events[canceled]["activityTaskCanceledEventAttributes"]
    assert attrs["details"] == "stopped at 20%", attrs
    assert attrs["latestCancelRequestedEventId"] == events[requested]["eventId"], attrs

    try:
        swf.record_activity_task_heartbeat(taskToken=task["taskToken"])
        sys.exit("a heartbeat on a canceled task must fail")
    except swf.exceptions.UnknownResourceFault:
        step("heartbeat after cancel: UnknownResourceFault")

    swf.terminate_workflow_execution(domain=DOMAIN, workflowId="cancel-me", reason="done")
    step("cancellation flow passed")


if __name__ == "__main__":
    main()
