#!/usr/bin/env python3
"""A workflow with timers, signals and a child workflow, decided by a boto3 decider.

    AWS_ENDPOINT_URL=http://127.0.0.1:8042 python3 order_workflow.py

The decider works as SWF frameworks do: it polls one task list, reads each task's whole
history (following nextPageToken) and decides from what the history says, for two types:

- order (parent): starts a child `charge`, a 1 s timer `grace` and a 600 s timer `guard`.
  It completes, cancelling `guard`, once the child completed, the child's signal `paid` and an
  outside signal `note` arrived and `grace` fired.
- charge (child): starts a 1 s timer `settle`; when it fires, signals its parent `paid`
  (SignalExternalWorkflowExecution) and completes.

The script looks each workflow type up (DescribeWorkflowType) and registers it only on
UnknownResourceFault, as frameworks do, and checks the histories and the visibility
operations at the end.
"""
import json
import os
import sys
import time
import uuid

import boto3
from botocore.config import Config

ENDPOINT = os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:8042")
DOMAIN = f"boto3-order-{uuid.uuid4().hex[:8]}"
DECISIONS = {"name": "order-decisions"}
ORDER = {"name": "order", "version": "1"}
CHARGE = {"name": "charge", "version": "1"}
DEADLINE_SECS = 60
MAX_TASKS = 40


def step(message):
    print(f"[boto3 order] {message}", flush=True)


def ensure_workflow_type(swf, workflow_type):
    try:
        swf.describe_workflow_type(domain=DOMAIN, workflowType=workflow_type)
        step(f"workflow type {workflow_type['name']} already registered")
    except swf.exceptions.UnknownResourceFault:
        swf.register_workflow_type(
            domain=DOMAIN, name=workflow_type["name"], version=workflow_type["version"],
            defaultTaskList=DECISIONS, defaultTaskStartToCloseTimeout="30",
            defaultExecutionStartToCloseTimeout="300", defaultChildPolicy="TERMINATE",
        )
        step(f"workflow type {workflow_type['name']} registered after UnknownResourceFault")


def full_history(swf, task):
    events = list(task["events"])
    token = task.get("nextPageToken")
    while token:
        page = swf.poll_for_decision_task(
            domain=DOMAIN, taskList=DECISIONS, nextPageToken=token, maximumPageSize=100
        )
        events.extend(page["events"])
        token = page.get("nextPageToken")
    return events


class Facts:
    """What a history says, as a replaying decider reads it."""

    def __init__(self, events):
        self.started = events[0]["workflowExecutionStartedEventAttributes"]
        self.timers_started = set()
        self.timers_fired = set()
        self.timers_canceled = set()
        self.signals = {}
        self.child_initiated = False
        self.child_result = None
        self.child_failed = None
        self.signal_sent = False
        for e in events:
            kind = e["eventType"]
            if kind == "TimerStarted":
                self.timers_started.add(e["timerStartedEventAttributes"]["timerId"])
            elif kind == "TimerFired":
                self.timers_fired.add(e["timerFiredEventAttributes"]["timerId"])
            elif kind == "TimerCanceled":
                self.timers_canceled.add(e["timerCanceledEventAttributes"]["timerId"])
            elif kind == "WorkflowExecutionSignaled":
                a = e["workflowExecutionSignaledEventAttributes"]
                self.signals[a["signalName"]] = a.get("input")
            elif kind == "StartChildWorkflowExecutionInitiated":
                self.child_initiated = True
            elif kind == "ChildWorkflowExecutionCompleted":
                self.child_result = e["childWorkflowExecutionCompletedEventAttributes"].get("result")
            elif kind in ("ChildWorkflowExecutionFailed", "StartChildWorkflowExecutionFailed",
                          "ChildWorkflowExecutionTimedOut", "ChildWorkflowExecutionTerminated"):
                self.child_failed = kind
            elif kind == "SignalExternalWorkflowExecutionInitiated":
                self.signal_sent = True


def timer(timer_id, seconds):
    return {"decisionType": "StartTimer", "startTimerDecisionAttributes": {
        "timerId": timer_id, "startToFireTimeout": str(seconds)}}


def complete(result):
    return {"decisionType": "CompleteWorkflowExecution",
            "completeWorkflowExecutionDecisionAttributes": {"result": result}}


def decide_order(task, facts):
    workflow_id = task["workflowExecution"]["workflowId"]
    if facts.child_failed:
        return [{"decisionType": "FailWorkflowExecution",
                 "failWorkflowExecutionDecisionAttributes": {"reason": facts.child_failed}}]
    decisions = []
    if not facts.child_initiated:
        decisions.append({
            "decisionType": "StartChildWorkflowExecution",
            "startChildWorkflowExecutionDecisionAttributes": {
                "workflowType": CHARGE, "workflowId": f"{workflow_id}-charge",
                "input": facts.started.get("input", ""),
            },
        })
        decisions += [timer("grace", 1), timer("guard", 600)]
    ready = (facts.child_result is not None and "paid" in facts.signals
             and "note" in facts.signals and "grace" in facts.timers_fired)
    if ready:
        if "guard" not in facts.timers_canceled:
            decisions.append({"decisionType": "CancelTimer",
                              "cancelTimerDecisionAttributes": {"timerId": "guard"}})
        decisions.append(complete(json.dumps({
            "charge": facts.child_result, "paid": facts.signals["paid"],
            "note": facts.signals["note"],
        })))
    return decisions


def decide_charge(facts):
    if "settle" not in facts.timers_started:
        return [timer("settle", 1)]
    if "settle" in facts.timers_fired and not facts.signal_sent:
        parent = facts.started["parentWorkflowExecution"]
        return [
            {"decisionType": "SignalExternalWorkflowExecution",
             "signalExternalWorkflowExecutionDecisionAttributes": {
                 "workflowId": parent["workflowId"], "runId": parent["runId"],
                 "signalName": "paid", "input": f"paid for {facts.started.get('input')}"}},
            complete("charged"),
        ]
    return []


def is_closed(swf, workflow_id, run_id):
    info = swf.describe_workflow_execution(
        domain=DOMAIN, execution={"workflowId": workflow_id, "runId": run_id}
    )["executionInfo"]
    return info["executionStatus"] == "CLOSED", info.get("closeStatus")


def main():
    swf = boto3.client(
        "swf", endpoint_url=ENDPOINT, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(read_timeout=70, retries={"max_attempts": 1}),
    )
    swf.register_domain(name=DOMAIN, workflowExecutionRetentionPeriodInDays="1")
    ensure_workflow_type(swf, ORDER)
    ensure_workflow_type(swf, CHARGE)
    ensure_workflow_type(swf, ORDER)
    run_id = swf.start_workflow_execution(
        domain=DOMAIN, workflowId="order-1", workflowType=ORDER, input="order-1: 3 books",
        tagList=["orders"],
    )["runId"]
    step(f"started order-1 run {run_id}")
    swf.signal_workflow_execution(
        domain=DOMAIN, workflowId="order-1", signalName="note", input="leave at the door"
    )
    step("signalled note from outside")

    deadline = time.monotonic() + DEADLINE_SECS
    for _ in range(MAX_TASKS):
        if time.monotonic() > deadline:
            break
        closed, status = is_closed(swf, "order-1", run_id)
        if closed:
            break
        task = swf.poll_for_decision_task(
            domain=DOMAIN, taskList=DECISIONS, identity="boto3-decider", maximumPageSize=100
        )
        if not task.get("taskToken"):
            continue
        events = full_history(swf, task)
        facts = Facts(events)
        kind = task["workflowType"]["name"]
        decisions = decide_order(task, facts) if kind == "order" else decide_charge(facts)
        swf.respond_decision_task_completed(taskToken=task["taskToken"], decisions=decisions)
        step(f"{task['workflowExecution']['workflowId']}: " + (
            ", ".join(d["decisionType"] for d in decisions) or "(nothing to do yet)"))
    closed, status = is_closed(swf, "order-1", run_id)
    if status != "COMPLETED":
        sys.exit(f"order-1 did not complete within {MAX_TASKS} tasks / {DEADLINE_SECS} s: {status}")

    events = swf.get_workflow_execution_history(
        domain=DOMAIN, execution={"workflowId": "order-1", "runId": run_id}
    )["events"]
    kinds = [e["eventType"] for e in events]
    step("order-1 history: " + ", ".join(kinds))
    for needed in ("ChildWorkflowExecutionStarted", "ChildWorkflowExecutionCompleted",
                   "TimerFired", "TimerCanceled", "WorkflowExecutionSignaled",
                   "WorkflowExecutionCompleted"):
        assert needed in kinds, (needed, kinds)
    result = json.loads(events[-1]["workflowExecutionCompletedEventAttributes"]["result"])
    assert result == {"charge": "charged", "paid": "paid for order-1: 3 books",
                      "note": "leave at the door"}, result
    paid = [e["workflowExecutionSignaledEventAttributes"] for e in events
            if e["eventType"] == "WorkflowExecutionSignaled"
            and e["workflowExecutionSignaledEventAttributes"]["signalName"] == "paid"]
    assert paid and paid[0]["externalWorkflowExecution"]["workflowId"] == "order-1-charge", paid

    closed = swf.list_closed_workflow_executions(
        domain=DOMAIN, startTimeFilter={"oldestDate": 0},
        closeStatusFilter={"status": "COMPLETED"},
    )["executionInfos"]
    ids = sorted(i["execution"]["workflowId"] for i in closed)
    assert ids == ["order-1", "order-1-charge"], ids
    child = next(i for i in closed if i["execution"]["workflowId"] == "order-1-charge")
    assert child["parent"]["runId"] == run_id, child
    opened = swf.count_open_workflow_executions(domain=DOMAIN, startTimeFilter={"oldestDate": 0})
    assert opened["count"] == 0, opened
    step("order workflow with timers, signals and a child workflow passed")


if __name__ == "__main__":
    main()
