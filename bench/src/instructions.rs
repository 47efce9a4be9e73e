//! Instructions per request, counted by callgrind on a server started with
//! [`Server::start_counted`]: a figure that travels between machines far better than a
//! ratio of wall times (the hardware counters of `perf stat` are often missing in VMs).
//! The counters are zeroed after a warm-up and dumped after the requests: the dump's
//! total is what those requests cost (with whatever the server's background tasks did
//! meanwhile, which is little).

use std::path::Path;
use std::process::Command;

use crate::process::Server;
use crate::wrk::Request;

/// Requests sent, one after another on one connection, before counting starts.
const WARMUP: usize = 50;

/// The instructions `server` (started with [`Server::start_counted`]) executes per
/// `request`, over `n` requests.
pub async fn per_request(server: &Server, request: &Request, n: usize) -> Result<f64, String> {
    let out = server
        .counts
        .as_deref()
        .ok_or("the server does not run under callgrind")?;
    let client = reqwest::Client::new();
    let url = format!("http://{}{}", server.addr, request.path);
    send(&client, &url, request, WARMUP).await?;
    control(server, "--zero")?;
    send(&client, &url, request, n).await?;
    control(server, "--dump")?;
    let total = last_total(out)?;
    Ok(total as f64 / n as f64)
}

/// Sends `request` `n` times, each after the last answered.
async fn send(
    client: &reqwest::Client,
    url: &str,
    request: &Request,
    n: usize,
) -> Result<(), String> {
    for _ in 0..n {
        let mut call = match request.method {
            "POST" => client.post(url),
            _ => client.get(url),
        }
        .header("accept", request.accept);
        if let Some(body) = &request.body {
            call = call
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body.clone());
        }
        if let Some(cookie) = &request.cookie {
            call = call.header("cookie", cookie);
        }
        let response = call.send().await.map_err(|e| e.to_string())?;
        if !(response.status().is_success() || response.status().is_redirection()) {
            return Err(format!("{url} answered {}", response.status()));
        }
        response.bytes().await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// `callgrind_control <option> <pid>`.
fn control(server: &Server, option: &str) -> Result<(), String> {
    let status = Command::new("callgrind_control")
        .arg(option)
        .arg(server.pid().to_string())
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("cannot run callgrind_control: {e}"))?;
    status
        .success()
        .then_some(())
        .ok_or_else(|| format!("callgrind_control {option} failed"))
}

/// The instruction total of the last dump of `out`: `<out>.1`, `<out>.2`, … (one
/// server per `out`).
fn last_total(out: &Path) -> Result<u64, String> {
    let mut last = None;
    for n in 1.. {
        let path = std::path::PathBuf::from(format!("{}.{n}", out.display()));
        if !path.exists() {
            break;
        }
        last = Some(path);
    }
    let path = last.ok_or("callgrind wrote no dump")?;
    let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
    total(&text).ok_or_else(|| format!("no totals in {}", path.display()))
}

/// The `totals:` (or `summary:`) line of a callgrind dump: instructions executed.
fn total(dump: &str) -> Option<u64> {
    dump.lines()
        .find_map(|line| {
            line.strip_prefix("totals:")
                .or_else(|| line.strip_prefix("summary:"))
        })
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|count| count.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::total;

    #[test]
    fn reads_the_totals_of_a_dump() {
        let dump =
            "version: 1\ncreator: callgrind-3.19.0\nevents: Ir\nfn=main\n3 10\ntotals: 123456\n";
        assert_eq!(total(dump), Some(123_456));
        assert_eq!(total("events: Ir\nsummary: 42\n"), Some(42));
        assert_eq!(total("events: Ir\n"), None);
    }
}
