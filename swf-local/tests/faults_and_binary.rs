//! Fault injection as the SDK sees it, the order-independence of fault rules, and the binary's
//! refusal of non-loopback addresses and bad flags.

use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_sdk_swf::Client;
use aws_sdk_swf::error::ProvideErrorMetadata;
use swf_local::{FaultConfig, FaultRule, LocalSwf};

async fn client_with(faults: FaultConfig) -> (LocalSwf, Client) {
    let local = LocalSwf::builder()
        .faults(faults)
        .start()
        .await
        .expect("start swf-local");
    let config = aws_sdk_swf::config::Builder::from(local.sdk_config())
        .retry_config(RetryConfig::disabled())
        .build();
    (local, Client::from_conf(config))
}

async fn describe(swf: &Client) -> Result<(), String> {
    swf.describe_domain()
        .name("nope")
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            let status = e.raw_response().map(|r| r.status().as_u16());
            format!("{:?}/{status:?}", ProvideErrorMetadata::code(&e))
        })
}

#[tokio::test]
async fn injected_faults_reach_the_sdk() {
    let faults = FaultConfig::new(3)
        .operation("DescribeDomain", FaultRule::default().throttle(1.0))
        .operation("ListDomains", FaultRule::default().internal_errors(1.0))
        .operation(
            "DescribeActivityType",
            FaultRule::default().unavailable(1.0),
        )
        .operation(
            "CountPendingActivityTasks",
            FaultRule::default().drop_connections(1.0),
        )
        .operation(
            "RegisterDomain",
            FaultRule::default().latency(Duration::from_millis(300)),
        );
    let (_local, swf) = client_with(faults).await;
    assert_eq!(
        describe(&swf).await,
        Err("Some(\"ThrottlingException\")/Some(400)".to_owned())
    );
    let e = swf
        .list_domains()
        .registration_status(aws_sdk_swf::types::RegistrationStatus::Registered)
        .send()
        .await
        .expect_err("500");
    assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(500));
    let e = swf
        .describe_activity_type()
        .domain("d")
        .activity_type(
            aws_sdk_swf::types::ActivityType::builder()
                .name("a")
                .version("1")
                .build()
                .expect("type"),
        )
        .send()
        .await
        .expect_err("503");
    assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(503));
    let e = swf
        .count_pending_activity_tasks()
        .domain("d")
        .task_list(
            aws_sdk_swf::types::TaskList::builder()
                .name("q")
                .build()
                .expect("list"),
        )
        .send()
        .await
        .expect_err("dropped");
    assert!(
        e.raw_response().is_none(),
        "a dropped connection has no response: {e:?}"
    );
    let started = Instant::now();
    swf.register_domain()
        .name("slow")
        .workflow_execution_retention_period_in_days("1")
        .send()
        .await
        .expect("register after latency");
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn a_partial_rate_is_deterministic_per_seed() {
    let rule = FaultRule::default().throttle(0.5);
    let mut runs = Vec::new();
    for _ in 0..2 {
        let (_local, swf) = client_with(FaultConfig::new(9).all(rule.clone())).await;
        let mut outcomes = Vec::new();
        for _ in 0..20 {
            outcomes.push(describe(&swf).await);
        }
        runs.push(outcomes);
    }
    assert_eq!(runs[0], runs[1]);
    let throttled = runs[0]
        .iter()
        .filter(|r| r.as_ref().is_err_and(|e| e.contains("Throttling")))
        .count();
    assert!(
        (3..=17).contains(&throttled),
        "{throttled} of 20 throttled at rate 0.5"
    );
}

#[test]
fn the_binary_refuses_non_loopback_addresses_and_bad_flags() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_swf-local"))
        .args(["--listen", "0.0.0.0:0"])
        .output()
        .expect("run swf-local");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("loopback"), "{stderr}");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_swf-local"))
        .args(["--fault", "explode=1"])
        .output()
        .expect("run swf-local");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("invalid fault"));
    for flags in [
        ["--header-read-timeout-secs", "0"],
        ["--idle-timeout-secs", "soon"],
        ["--max-connections", "0"],
    ] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_swf-local"))
            .args(flags)
            .output()
            .expect("run swf-local");
        assert_eq!(output.status.code(), Some(2), "{flags:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(flags[0]), "{stderr}");
    }
}

/// Every order of `specs`.
fn orders(specs: &[&'static str]) -> Vec<Vec<&'static str>> {
    if specs.len() <= 1 {
        return vec![specs.to_vec()];
    }
    let mut all = Vec::new();
    for (i, first) in specs.iter().enumerate() {
        let mut rest = specs.to_vec();
        rest.remove(i);
        for mut order in orders(&rest) {
            order.insert(0, first);
            all.push(order);
        }
    }
    all
}

#[test]
fn fault_flags_mean_the_same_in_any_order() {
    let specs = [
        "throttle=0.2",
        "latency-ms=5",
        "RecordActivityTaskHeartbeat:503=0.1",
        "RecordActivityTaskHeartbeat:jitter-ms=3",
        "PollForActivityTask:drop=0.01",
    ];
    let configs: Vec<FaultConfig> = orders(&specs)
        .into_iter()
        .map(|order| FaultConfig::from_specs(4, order).expect("valid specs"))
        .collect();
    assert_eq!(configs.len(), 120);
    assert!(configs.iter().all(|c| *c == configs[0]));
    let expected = FaultConfig::new(4)
        .all(
            FaultRule::default()
                .throttle(0.2)
                .latency(Duration::from_millis(5)),
        )
        .operation(
            "RecordActivityTaskHeartbeat",
            FaultRule::default()
                .unavailable(0.1)
                .latency_jitter(Duration::from_millis(3)),
        )
        .operation(
            "PollForActivityTask",
            FaultRule::default().drop_connections(0.01),
        );
    assert_eq!(configs[0], expected, "operation rules inherit nothing");
    let twice = FaultConfig::from_specs(
        4,
        [
            "PollForActivityTask:drop=0.1",
            "PollForActivityTask:drop=0.2",
        ],
    );
    assert!(
        twice.is_err(),
        "a kind given twice for one operation is refused"
    );
}

#[tokio::test]
async fn an_operation_rule_overrides_all_operation_rules_given_before_or_after_it() {
    for specs in [
        ["throttle=1", "DescribeDomain:latency-ms=1"],
        ["DescribeDomain:latency-ms=1", "throttle=1"],
    ] {
        let (_local, swf) = client_with(FaultConfig::from_specs(5, specs).expect("valid")).await;
        assert_eq!(
            describe(&swf).await,
            Err("Some(\"UnknownResourceFault\")/Some(400)".to_owned()),
            "DescribeDomain has its own rule, without throttling: {specs:?}"
        );
        let listed = swf
            .list_domains()
            .registration_status(aws_sdk_swf::types::RegistrationStatus::Registered)
            .send()
            .await;
        let code = listed
            .err()
            .and_then(|e| ProvideErrorMetadata::code(&e).map(str::to_owned));
        assert_eq!(code.as_deref(), Some("ThrottlingException"), "{specs:?}");
    }
}

#[tokio::test]
async fn unknown_operations_and_bad_json_get_aws_errors() {
    let (local, _swf) = client_with(FaultConfig::default()).await;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    for (target, body, expected) in [
        (
            "SimpleWorkflowService.Frobnicate",
            "{}",
            "UnknownOperationException",
        ),
        (
            "SimpleWorkflowService.DescribeDomain",
            "{not json",
            "SerializationException",
        ),
    ] {
        let mut stream = tokio::net::TcpStream::connect(local.addr())
            .await
            .expect("connect");
        let request = format!(
            "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: {target}\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut response = String::new();
        tokio::time::timeout(Duration::from_secs(5), stream.read_to_string(&mut response))
            .await
            .expect("answer in time")
            .expect("read");
        assert!(response.starts_with("HTTP/1.1 400"), "{response}");
        assert!(response.contains(&format!("#{expected}\"")), "{response}");
        assert!(
            response.contains("application/x-amz-json-1.0"),
            "{response}"
        );
    }
}

#[tokio::test]
async fn the_ready_sdk_config_retries_injected_throttles() {
    let faults = FaultConfig::new(11).operation("ListDomains", FaultRule::default().throttle(0.3));
    let local = LocalSwf::builder()
        .faults(faults)
        .start()
        .await
        .expect("start swf-local");
    let swf = Client::new(local.sdk_config());
    for _ in 0..10 {
        swf.list_domains()
            .registration_status(aws_sdk_swf::types::RegistrationStatus::Registered)
            .send()
            .await
            .expect("retried past the throttles");
    }
}
