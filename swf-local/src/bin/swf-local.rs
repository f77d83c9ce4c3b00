//! `swf-local`: the in-memory SWF endpoint as a standalone server.
//!
//! ```text
//! swf-local --listen 127.0.0.1:8042 [--seed N] [--fault [Operation:]kind=value]...
//!           [--retain-closed N] [--poll-timeout-secs N] [--header-read-timeout-secs N]
//!           [--idle-timeout-secs N] [--max-connections N]
//!           [--log-requests] [--enforce-quotas]
//! ```
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::time::Duration;

use swf_local::{ConnectionLimits, FaultConfig, LocalError, LocalSwf};

const USAGE: &str = "\
swf-local: an in-memory Amazon SWF endpoint (AWS JSON 1.0 over HTTP, no signature checks)

USAGE:
    swf-local [--listen ADDR] [OPTIONS]

OPTIONS:
    --listen ADDR            loopback address to listen on (default 127.0.0.1:8042)
    --seed N                 seed of fault injection, task tokens and run ids (default 0)
    --fault SPEC             inject faults, repeatable; SPEC is [Operation:]kind=value with kind
                             throttle|500|503|drop|lost-response (rate 0..1) or
                             latency-ms|jitter-ms (milliseconds), e.g.
                             --fault RecordActivityTaskHeartbeat:throttle=0.2 --fault latency-ms=5
                             An operation named in any SPEC takes only the SPECs naming it; the
                             others apply to every other operation. Order does not matter.
    --retain-closed N        closed executions kept readable before eviction (default 1000)
    --poll-timeout-secs N    how long empty long polls are held (default 60)
    --header-read-timeout-secs N
                             a request must arrive whole (headers and body) within N s of its
                             first byte, or its connection is closed (default 10)
    --idle-timeout-secs N    a connection waiting longer for its next request is closed
                             (default 60; long polls being held are not idle)
    --max-connections N      connections open at once (default 512); at the cap an idle one
                             is closed to make room, else the new one is closed at once
    --log-requests           print one line per call to stderr: operation, HTTP status (and
                             error name), latency; never task tokens or credentials
    --enforce-quotas         answer ThrottlingException past SWF's rate quotas (token buckets
                             per operation, SWF's burst and refill); off by default
    -h, --help               print this help

Point clients at it with AWS_ENDPOINT_URL=http://ADDR, any credentials and region us-east-1.
";

struct Args {
    listen: String,
    seed: u64,
    faults: Vec<String>,
    retain_closed: usize,
    poll_timeout: Duration,
    log_requests: bool,
    enforce_quotas: bool,
    limits: ConnectionLimits,
}

fn whole_number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("{flag} takes a whole number, got {value:?}"))
}

fn positive_secs(flag: &str, value: &str) -> Result<Duration, String> {
    match whole_number::<u64>(flag, value)? {
        0 => Err(format!("{flag} must be at least 1 second")),
        secs => Ok(Duration::from_secs(secs)),
    }
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut args = Args {
        listen: "127.0.0.1:8042".to_owned(),
        seed: 0,
        faults: Vec::new(),
        retain_closed: 1000,
        poll_timeout: Duration::from_secs(60),
        limits: ConnectionLimits::default(),
        log_requests: false,
        enforce_quotas: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--listen" => args.listen = value("--listen")?,
            "--seed" => {
                args.seed = value("--seed")?
                    .parse()
                    .map_err(|_| "--seed takes a whole number".to_owned())?;
            }
            "--fault" => args.faults.push(value("--fault")?),
            "--log-requests" => args.log_requests = true,
            "--enforce-quotas" => args.enforce_quotas = true,
            "--retain-closed" => {
                args.retain_closed = value("--retain-closed")?
                    .parse()
                    .map_err(|_| "--retain-closed takes a whole number".to_owned())?;
            }
            "--poll-timeout-secs" => {
                let secs: u64 = value("--poll-timeout-secs")?
                    .parse()
                    .map_err(|_| "--poll-timeout-secs takes whole seconds".to_owned())?;
                args.poll_timeout = Duration::from_secs(secs);
            }
            "--header-read-timeout-secs" => {
                let flag = "--header-read-timeout-secs";
                args.limits.header_read_timeout = positive_secs(flag, &value(flag)?)?;
            }
            "--idle-timeout-secs" => {
                let flag = "--idle-timeout-secs";
                args.limits.idle_timeout = positive_secs(flag, &value(flag)?)?;
            }
            "--max-connections" => {
                let flag = "--max-connections";
                args.limits.max_connections = match whole_number(flag, &value(flag)?)? {
                    0 => return Err(format!("{flag} must be at least 1")),
                    n => n,
                };
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Some(args))
}

async fn run(args: Args) -> Result<(), LocalError> {
    let faults = FaultConfig::from_specs(args.seed, &args.faults)?;
    let local = LocalSwf::builder()
        .listen(args.listen)
        .seed(args.seed)
        .faults(faults)
        .retain_closed(args.retain_closed)
        .poll_timeout(args.poll_timeout)
        .connection_limits(args.limits)
        .enforce_quotas(args.enforce_quotas)
        .start()
        .await?;
    println!("swf-local listening on {}", local.url());
    let _ = tokio::signal::ctrl_c().await;
    println!("swf-local stopping");
    local.shutdown().await;
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Some(args)) => args,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("swf-local: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    if args.log_requests
        && let Ok(directive) = format!("{}=debug", swf_local::REQUEST_LOG_TARGET).parse()
    {
        filter = filter.add_directive(directive);
    }
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(error) => {
            eprintln!("swf-local: cannot start the Tokio runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("swf-local: {error}");
            ExitCode::FAILURE
        }
    }
}
