//! HTTP load with `wrk`: one script per kind of request, and its report read back.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// One kind of request.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The path, e.g. `/api/echo`.
    pub path: String,
    /// A form-encoded body, for `POST`.
    pub body: Option<String>,
    /// A `Cookie` header, for signed-in requests.
    pub cookie: Option<String>,
    /// An `Accept` header.
    pub accept: &'static str,
}

/// What one `wrk` run measured.
#[derive(Debug, Clone, Copy, Default)]
pub struct Run {
    /// Requests per second.
    pub rps: f64,
    /// Median latency, in milliseconds.
    pub p50_ms: f64,
    /// 99th percentile latency, in milliseconds.
    pub p99_ms: f64,
    /// Requests completed.
    pub requests: u64,
    /// Responses that were not 2xx or 3xx.
    pub errors: u64,
}

/// How `wrk` loads the server.
pub struct Load {
    /// Open connections.
    pub connections: u32,
    /// Length of a measured run.
    pub duration: Duration,
    /// The core `wrk` runs on.
    pub core: Option<usize>,
}

/// Writes the Lua script that makes `request`, in `dir`.
pub fn script(dir: &Path, name: &str, request: &Request) -> std::io::Result<PathBuf> {
    let mut lua = format!("wrk.method = \"{}\"\n", request.method);
    lua.push_str(&format!(
        "wrk.headers[\"Accept\"] = \"{}\"\n",
        request.accept
    ));
    if let Some(body) = &request.body {
        lua.push_str(&format!("wrk.body = \"{body}\"\n"));
        lua.push_str("wrk.headers[\"Content-Type\"] = \"application/x-www-form-urlencoded\"\n");
    }
    if let Some(cookie) = &request.cookie {
        lua.push_str(&format!("wrk.headers[\"Cookie\"] = \"{cookie}\"\n"));
    }
    let path = dir.join(format!("{name}.lua"));
    std::fs::write(&path, lua)?;
    Ok(path)
}

/// Runs `wrk` once against `url` with `script`.
pub fn run(url: &str, script: &Path, load: &Load, duration: Duration) -> Result<Run, String> {
    let mut command = match load.core {
        Some(core) if crate::process::which("taskset") => {
            let mut c = Command::new("taskset");
            c.arg("-c").arg(core.to_string()).arg("wrk");
            c
        }
        _ => Command::new("wrk"),
    };
    let output = command
        .args(["-t1", "--latency"])
        .arg(format!("-c{}", load.connections))
        .arg(format!("-d{}s", duration.as_secs().max(1)))
        .arg("-s")
        .arg(script)
        .arg(url)
        .output()
        .map_err(|e| format!("cannot run wrk: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    parse(&text).ok_or_else(|| format!("unreadable wrk report:\n{text}"))
}

/// Reads a `wrk --latency` report.
pub fn parse(report: &str) -> Option<Run> {
    let mut run = Run::default();
    for line in report.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("Requests/sec:") {
            run.rps = rest.trim().parse().ok()?;
        } else if let Some(rest) = line.strip_prefix("50%") {
            run.p50_ms = millis(rest.trim())?;
        } else if let Some(rest) = line.strip_prefix("99%") {
            run.p99_ms = millis(rest.trim())?;
        } else if line.contains(" requests in ") {
            run.requests = line.split_whitespace().next()?.parse().ok()?;
        } else if let Some(rest) = line.strip_prefix("Non-2xx or 3xx responses:") {
            run.errors = rest.trim().parse().ok()?;
        }
    }
    (run.rps > 0.0).then_some(run)
}

/// `402.00us`, `1.20ms`, `2.01s` → milliseconds.
fn millis(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    Some(match unit {
        "us" => number / 1000.0,
        "ms" => number,
        "s" => number * 1000.0,
        "m" => number * 60_000.0,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_wrk_report() {
        let report = "Running 5s test @ http://127.0.0.1:4000/echo
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   420.00us  100.00us   5.00ms   90.00%
  Latency Distribution
     50%  402.00us
     75%  450.00us
     90%  500.00us
     99%    1.20ms
  123456 requests in 5.00s, 20.00MB read
  Non-2xx or 3xx responses: 3
Requests/sec:  24690.11
Transfer/sec:      4.00MB
";
        let run = parse(report).expect("parsed");
        assert!((run.rps - 24690.11).abs() < 0.01);
        assert!((run.p50_ms - 0.402).abs() < 1e-9);
        assert!((run.p99_ms - 1.2).abs() < 1e-9);
        assert_eq!(run.requests, 123_456);
        assert_eq!(run.errors, 3);
    }
}
