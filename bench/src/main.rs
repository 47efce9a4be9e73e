//! `bench`: Mizan measured against a raw axum baseline, in the same run, on this machine.
//!
//! Run it through `./scripts/bench` (which builds the release and installs `wrk`). The
//! server runs on core 1, the load (`wrk`, WebSocket clients, Redis) on core 0. Prints a
//! markdown table.
//!
//! Two baselines are measured in the same run: a raw axum handler (for the server
//! functions) and a bare Leptos page (for the pages); every row is a ratio to its own.
//!
//! Options: `--quick` (short runs, to try the bench itself), `--dev-loop` (also time a
//! `cargo leptos watch` rebuild and a clean release build: minutes), `--no-lighthouse`
//! (skip the Lighthouse scores: about a minute).

mod lighthouse;
mod process;
mod report;
mod sizes;
mod wrk;
mod ws;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use process::{Server, free_port};
use report::{Report, Row};
use wrk::{Load, Request};

/// Cores: the server alone on one, everything else on the other.
const SERVER_CORE: usize = 1;
const LOAD_CORE: usize = 0;

/// How a run is shaped.
struct Plan {
    warmup: Duration,
    duration: Duration,
    runs: usize,
    subscribers: usize,
    idle: Vec<usize>,
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let plan = if args.iter().any(|a| a == "--quick") {
        Plan {
            warmup: Duration::from_secs(1),
            duration: Duration::from_secs(2),
            runs: 1,
            subscribers: 100,
            idle: vec![1000],
        }
    } else {
        Plan {
            warmup: Duration::from_secs(2),
            duration: Duration::from_secs(5),
            runs: 3,
            subscribers: 1000,
            idle: vec![1000, 10_000],
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("bench: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let options = Options {
        dev_loop: args.iter().any(|a| a == "--dev-loop"),
        lighthouse: !args.iter().any(|a| a == "--no-lighthouse"),
    };
    match runtime.block_on(bench(&plan, &options)) {
        Ok(report) => {
            println!("{}", report.markdown());
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// What else to measure.
struct Options {
    dev_loop: bool,
    lighthouse: bool,
}

/// Where the built artifacts are.
struct Build {
    server: PathBuf,
    baseline: PathBuf,
    page_baseline: PathBuf,
    site: PathBuf,
}

async fn bench(plan: &Plan, options: &Options) -> Result<Report, String> {
    let build = Build {
        server: PathBuf::from("target/release/server"),
        baseline: PathBuf::from("target/release/baseline"),
        page_baseline: PathBuf::from("target/release/page"),
        site: PathBuf::from("target/site"),
    };
    for path in [
        &build.server,
        &build.baseline,
        &build.page_baseline,
        &build.site,
    ] {
        if !path.exists() {
            return Err(format!(
                "{} is missing: run ./scripts/bench",
                path.display()
            ));
        }
    }
    let work = std::env::temp_dir().join(format!("mizan-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let mut report = Report::default();
    let load = Load {
        connections: 32,
        duration: plan.duration,
        core: Some(LOAD_CORE),
    };

    // 0. Lighthouse first, on a quiet machine and a fresh server (a browser's view:
    // scores, and the JS and wasm each page transferred). Measured after the load tests,
    // its total blocking time came out twice as long.
    if options.lighthouse {
        let (server, _) = mizan(&build, &work.join("lighthouse"), &[]).await?;
        report.lighthouse = lighthouse::run(server.addr)?;
        drop(server);
    }

    // 1. The baseline.
    let addr = local(free_port());
    let baseline = Server::start(
        &build.baseline,
        &[addr.to_string()],
        &[],
        addr,
        Some(SERVER_CORE),
    )?;
    let echo = Request {
        method: "POST",
        path: "/echo".into(),
        body: Some("text=hello".into()),
        cookie: None,
        accept: "application/json",
    };
    let base = measure(&work, "baseline", &baseline, &echo, &load, plan)?;
    report.baseline_rps = base.rps;
    report
        .rows
        .push(base.named("raw axum JSON echo (baseline)"));
    drop(baseline);

    // 1b. The page baseline: a bare Leptos page with the same document shell.
    let addr = local(free_port());
    let page_baseline = Server::start(
        &build.page_baseline,
        &[addr.to_string(), build.site.display().to_string()],
        &[],
        addr,
        Some(SERVER_CORE),
    )?;
    let bare = measure(
        &work,
        "page-baseline",
        &page_baseline,
        &home_page(None),
        &load,
        plan,
    )?;
    report.page_baseline_rps = bare.rps;
    report
        .rows
        .push(bare.named("bare Leptos page (page baseline)"));
    drop(page_baseline);

    // 2. Mizan on its embedded defaults (SQLite, in-process cache and hub).
    // The edge worker's address, known to the origin: it serves the worker's manifest
    // only to a site that has one (`MIZAN_EDGE_URL`).
    let edge_addr = local(free_port());
    let edge_url = ("MIZAN_EDGE_URL", format!("http://{edge_addr}"));
    let (server, cookie) = mizan(&build, &work.join("embedded"), &[edge_url]).await?;
    report.rss_idle_kib = server.rss_kib();
    let api = |path: &str, cookie: Option<&String>| Request {
        method: "POST",
        path: path.into(),
        body: Some("text=hello".into()),
        cookie: cookie.cloned(),
        accept: "application/json",
    };
    let page = |cookie: Option<&String>| home_page(cookie.cloned());
    // `site_stats` takes no arguments: an empty form, as the site's own pages send it (the
    // edge worker leaves a call with fields the function does not take to the origin).
    let stats = Request {
        body: Some(String::new()),
        ..api("/api/site_stats", None)
    };
    let cases = [
        (
            "`echo` server function (full stack)",
            "echo",
            api("/api/echo", None),
        ),
        (
            "authenticated function (session + user)",
            "auth",
            api("/api/account_summary", Some(&cookie)),
        ),
        ("cached function hit, in-process", "cached", stats.clone()),
        ("SSR home page, anonymous", "ssr", page(None)),
        ("SSR home page, signed in", "ssr-user", page(Some(&cookie))),
    ];
    for (name, file, request) in &cases {
        report
            .rows
            .push(measure(&work, file, &server, request, &load, plan)?.named(name));
    }
    report.rss_load_kib = server.peak_rss_kib();

    // 2b. The same cached function through the edge worker (workerd, through miniflare,
    // in front of this server): a hit answered by the worker alone.
    let edge = Server::start(
        Path::new("node"),
        &[
            "edge/serve.mjs".into(),
            "--origin".into(),
            format!("http://{}", server.addr),
            "--port".into(),
            edge_addr.port().to_string(),
        ],
        &[("SECRET_KEY", BENCH_SECRET_KEY.to_owned())],
        edge_addr,
        Some(SERVER_CORE),
    )?;
    report.rows.push(
        measure(&work, "edge", &edge, &stats, &load, plan)?
            .named("cached function hit, at the edge worker (local workerd)"),
    );
    drop(edge);
    let fan = ws::fan_out(server.addr, &cookie, "bench-fanout", plan.subscribers, 5).await?;
    report
        .fan_out
        .push((format!("in-process, {} subscribers", plan.subscribers), fan));
    drop(server);

    // 3. The same with Redis: the cache and the hub through it.
    let redis_port = free_port();
    let redis_dir = work.join("redis");
    std::fs::create_dir_all(&redis_dir).map_err(|e| e.to_string())?;
    let redis = Server::start(
        Path::new("redis-server"),
        &[
            "--port".into(),
            redis_port.to_string(),
            "--save".into(),
            String::new(),
            "--appendonly".into(),
            "no".into(),
            "--dir".into(),
            redis_dir.display().to_string(),
        ],
        &[],
        local(redis_port),
        Some(LOAD_CORE),
    )?;
    let redis_url = format!("redis://127.0.0.1:{redis_port}");
    let (server, cookie) =
        mizan(&build, &work.join("redis-app"), &[("REDIS_URL", redis_url)]).await?;
    report.rows.push(
        measure(&work, "cached-redis", &server, &stats, &load, plan)?
            .named("cached function hit, Redis"),
    );
    let fan = ws::fan_out(server.addr, &cookie, "bench-fanout", plan.subscribers, 5).await?;
    report
        .fan_out
        .push((format!("over Redis, {} subscribers", plan.subscribers), fan));
    drop(server);
    drop(redis);

    // 4. Idle WebSocket connections: memory each, on a fresh server every time.
    for &n in &plan.idle {
        let (server, cookie) = mizan(&build, &work.join(format!("idle-{n}")), &[]).await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let before = server.rss_kib();
        let sockets = ws::connect_many(server.addr, "bench-idle", &cookie, n).await?;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let after = server.rss_kib();
        report
            .idle
            .push((n, after.saturating_sub(before) as f64 * 1024.0 / n as f64));
        drop(sockets);
    }

    // 5. Sizes.
    report.sizes = sizes::measure(&build.site, &build.server)?;

    // 6. The development loop, when asked.
    if options.dev_loop {
        report.dev_loop = Some(sizes::dev_loop()?);
    }
    let _ = std::fs::remove_dir_all(&work);
    Ok(report)
}

/// The servers' secret key (the edge worker derives its cache key from it).
const BENCH_SECRET_KEY: &str = "a benchmark secret key, 32 characters or more";

/// `GET /` as a browser asks for it, with a session cookie or without.
fn home_page(cookie: Option<String>) -> Request {
    Request {
        method: "GET",
        path: "/".into(),
        body: None,
        cookie,
        accept: "text/html",
    }
}

fn local(port: u16) -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, port))
}

/// Starts the Mizan server on a fresh data directory (plus `extra` settings), signs a
/// bench user up and warms the cached report; returns it and the user's session cookie.
async fn mizan(
    build: &Build,
    data_dir: &Path,
    extra: &[(&str, String)],
) -> Result<(Server, String), String> {
    std::fs::create_dir_all(data_dir).map_err(|e| e.to_string())?;
    let addr = local(free_port());
    let mut env = vec![
        ("MIZAN_DATA_DIR", data_dir.display().to_string()),
        ("LEPTOS_SITE_ADDR", addr.to_string()),
        ("LEPTOS_SITE_ROOT", build.site.display().to_string()),
        ("RUST_LOG", "warn".to_owned()),
        ("SECRET_KEY", BENCH_SECRET_KEY.to_owned()),
        // The connection rows hold thousands of sockets as one bench user.
        ("MIZAN_WS_CONNECTIONS_PER_USER", "1000000".to_owned()),
    ];
    env.extend(extra.iter().cloned());
    let server = Server::start(&build.server, &[], &env, addr, Some(SERVER_CORE))?;
    let client = reqwest::Client::new();
    let signup = client
        .post(format!("http://{addr}/api/signup.submit"))
        .form(&[
            ("name", "Bench"),
            ("email", "bench@example.com"),
            ("password", "a benchmark password"),
        ])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let cookie = signup
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("mizan_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
        .ok_or("no session cookie from sign-up")?;
    client
        .post(format!("http://{addr}/api/site_stats"))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    Ok((server, cookie))
}

/// Warm-up, then `plan.runs` runs: the median run's figures, and CPU per request over all
/// of them.
fn measure(
    work: &Path,
    name: &str,
    server: &Server,
    request: &Request,
    load: &Load,
    plan: &Plan,
) -> Result<Row, String> {
    let script = wrk::script(work, name, request).map_err(|e| e.to_string())?;
    let url = format!("http://{}{}", server.addr, request.path);
    wrk::run(&url, &script, load, plan.warmup)?;
    let cpu_before = server.cpu_micros();
    let mut runs = Vec::with_capacity(plan.runs);
    for _ in 0..plan.runs {
        runs.push(wrk::run(&url, &script, load, load.duration)?);
    }
    let cpu = server.cpu_micros().saturating_sub(cpu_before);
    let requests: u64 = runs.iter().map(|r| r.requests).sum();
    let errors: u64 = runs.iter().map(|r| r.errors).sum();
    runs.sort_by(|a, b| a.rps.total_cmp(&b.rps));
    let median = runs[runs.len() / 2];
    Ok(Row {
        name: String::new(),
        rps: median.rps,
        p50_ms: median.p50_ms,
        p99_ms: median.p99_ms,
        cpu_us: cpu as f64 / requests.max(1) as f64,
        errors,
    })
}
