//! The line protocol between the bench and its child processes.
//!
//! The bench runs the endpoint and every measured worker in processes of their own (this
//! executable again, with [`ROLE_VAR`] set), so CPU time and memory read from `/proc/self` belong
//! to one role only. A role reads one command a line on stdin and answers each with one line of
//! `key=value` words on stdout (multi-line answers end with `end`).

use std::collections::HashMap;
use std::error::Error;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

/// The environment variable naming the role of a child process.
pub const ROLE_VAR: &str = "WORKER_BENCH_ROLE";

pub type BenchResult<T> = Result<T, Box<dyn Error + Send + Sync>>;

/// One answer: its `key=value` words.
#[derive(Debug, Default)]
pub struct Reply {
    words: HashMap<String, String>,
}

impl Reply {
    pub fn parse(line: &str) -> Self {
        let words = line
            .split_whitespace()
            .filter_map(|word| word.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Reply { words }
    }

    pub fn text(&self, key: &str) -> BenchResult<&str> {
        self.words
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| format!("the answer has no {key}").into())
    }

    pub fn number<T: std::str::FromStr>(&self, key: &str) -> BenchResult<T> {
        self.text(key)?
            .parse()
            .map_err(|_| format!("{key} is not a number").into())
    }
}

/// A child process playing one role.
pub struct RoleProcess {
    name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl RoleProcess {
    /// Starts this executable as `role` with extra environment variables.
    pub fn spawn(role: &str, env: &[(&str, String)]) -> BenchResult<Self> {
        let mut command = Command::new(std::env::current_exe()?);
        command
            .env(ROLE_VAR, role)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = command.spawn()?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        Ok(RoleProcess {
            name: role.to_owned(),
            child,
            stdin: Some(stdin),
            stdout,
        })
    }

    /// Reads the next line the role writes.
    pub fn read_line(&mut self) -> BenchResult<String> {
        let mut line = String::new();
        if self.stdout.read_line(&mut line)? == 0 {
            return Err(format!("the {} process ended", self.name).into());
        }
        let line = line.trim_end().to_owned();
        if let Some(error) = line.strip_prefix("error ") {
            return Err(format!("{}: {error}", self.name).into());
        }
        Ok(line)
    }

    /// Sends a command and reads its one-line answer.
    pub fn call(&mut self, command: &str) -> BenchResult<Reply> {
        self.send(command)?;
        Ok(Reply::parse(&self.read_line()?))
    }

    /// Sends a command and reads its answer's lines up to `end`.
    pub fn call_lines(&mut self, command: &str) -> BenchResult<Vec<Reply>> {
        self.send(command)?;
        let mut replies = Vec::new();
        loop {
            let line = self.read_line()?;
            if line == "end" {
                return Ok(replies);
            }
            replies.push(Reply::parse(&line));
        }
    }

    fn send(&mut self, command: &str) -> BenchResult<()> {
        let stdin = self.stdin.as_mut().ok_or("the role's stdin is closed")?;
        writeln!(stdin, "{command}")?;
        stdin.flush()?;
        Ok(())
    }
}

impl Drop for RoleProcess {
    fn drop(&mut self) {
        // A role exits when its stdin closes; one still running 5 s later is ended.
        drop(self.stdin.take());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The commands a role receives: the command word and its `key=value` arguments.
pub fn commands() -> impl Iterator<Item = (String, Reply)> {
    std::io::stdin().lines().map_while(Result::ok).map(|line| {
        let (word, rest) = line.split_once(' ').unwrap_or((line.as_str(), ""));
        (word.to_owned(), Reply::parse(rest))
    })
}

/// Writes one answer line.
pub fn answer(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}
