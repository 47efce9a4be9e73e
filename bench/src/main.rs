//! `bench`: Mizan measured against a raw axum baseline, in the same run, on this machine.
//!
//! Run it through `./scripts/bench` (which builds the release and installs `wrk`). The
//! server runs on core 1, the load (`wrk`, WebSocket clients, Redis) on core 0. Prints a
//! markdown table.
//!
//! Three baselines are measured in the same run: a raw axum handler, a bare Leptos
//! `#[server]` function (the peer of our `echo`) and a bare Leptos page (the peer of our
//! pages); every row is a ratio to its peer, and, counted by callgrind, the instructions
//! the server executes per request (they travel between machines better than ratios).
//!
//! Options: `--quick` (short runs, to try the bench itself), `--dev-loop` (also time a
//! `cargo leptos watch` rebuild and a clean release build: minutes), `--no-lighthouse`
//! (skip the Lighthouse scores: about a minute), `--no-instructions` (skip the callgrind
//! counts: about a minute).

mod instructions;
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
use report::{BARE_PAGE, BARE_SERVER_FN, ECHO, RAW_AXUM, Report, Row};
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
    /// Requests counted under callgrind per function row (a tenth of it per page row).
    counted: usize,
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
            counted: 200,
        }
    } else {
        Plan {
            warmup: Duration::from_secs(2),
            duration: Duration::from_secs(5),
            runs: 3,
            subscribers: 1000,
            idle: vec![1000, 10_000],
            counted: 2000,
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
        instructions: !args.iter().any(|a| a == "--no-instructions"),
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
    instructions: bool,
}

/// Where the built artifacts are.
struct Build {
    server: PathBuf,
    baseline: PathBuf,
    leptos_baseline: PathBuf,
    site: PathBuf,
}

/// How a server is started: pinned to the server's core and measured by `wrk`, or under
/// callgrind (writing to this file) and counted.
#[derive(Clone, Copy)]
enum Launch<'a> {
    Pinned,
    Counted(&'a Path),
}

impl Launch<'_> {
    fn start(
        self,
        program: &Path,
        args: &[String],
        env: &[(&str, String)],
        addr: SocketAddr,
    ) -> Result<Server, String> {
        match self {
            Launch::Pinned => Server::start(program, args, env, addr, Some(SERVER_CORE)),
            Launch::Counted(out) => Server::start_counted(program, args, env, addr, out),
        }
    }
}

async fn bench(plan: &Plan, options: &Options) -> Result<Report, String> {
    let build = Build {
        server: PathBuf::from("target/release/server"),
        baseline: PathBuf::from("target/release/baseline"),
        leptos_baseline: PathBuf::from("target/release/leptos"),
        site: PathBuf::from("target/site"),
    };
    for path in [
        &build.server,
        &build.baseline,
        &build.leptos_baseline,
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
    let mut report = Report {
        machine: machine(),
        ..Report::default()
    };
    let load = Load {
        connections: 32,
        duration: plan.duration,
        core: Some(LOAD_CORE),
    };

    // 0. Lighthouse first, on a quiet machine and a fresh server (a browser's view:
    // scores, and the JS and wasm each page transferred). Measured after the load tests,
    // its total blocking time came out twice as long.
    if options.lighthouse {
        let (server, _) = mizan(&build, &work.join("lighthouse"), &[], Launch::Pinned).await?;
        report.lighthouse = lighthouse::run(server.addr)?;
        drop(server);
    }

    // 1. The baselines: a raw axum handler, a bare Leptos `#[server]` function and page.
    let addr = local(free_port());
    let baseline = Launch::Pinned.start(&build.baseline, &[addr.to_string()], &[], addr)?;
    report.rows.push(
        measure(&work, "baseline", &baseline, &raw_echo(), &load, plan)?
            .named(&format!("{RAW_AXUM} (baseline)")),
    );
    drop(baseline);
    let addr = local(free_port());
    let leptos = Launch::Pinned.start(
        &build.leptos_baseline,
        &leptos_args(&build, addr),
        &[],
        addr,
    )?;
    report.rows.push(
        measure(
            &work,
            "leptos-fn",
            &leptos,
            &api("/api/echo", None),
            &load,
            plan,
        )?
        .named(&format!("{BARE_SERVER_FN} (server function baseline)")),
    );
    report.rows.push(
        measure(&work, "leptos-page", &leptos, &home_page(None), &load, plan)?
            .named(&format!("{BARE_PAGE} (page baseline)")),
    );
    drop(leptos);

    // 2. Mizan on its embedded defaults (SQLite, in-process cache and hub).
    // The edge worker's address, known to the origin: it serves the worker's manifest
    // only to a site that has one (`MIZAN_EDGE_URL`).
    let edge_addr = local(free_port());
    let edge_url = ("MIZAN_EDGE_URL", format!("http://{edge_addr}"));
    let (server, cookie) =
        mizan(&build, &work.join("embedded"), &[edge_url], Launch::Pinned).await?;
    report.rss_idle_kib = server.rss_kib();
    let cases = mizan_cases(&cookie);
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
        measure(&work, "edge", &edge, &stats(), &load, plan)?
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
    let (server, cookie) = mizan(
        &build,
        &work.join("redis-app"),
        &[("REDIS_URL", redis_url)],
        Launch::Pinned,
    )
    .await?;
    report.rows.push(
        measure(&work, "cached-redis", &server, &stats(), &load, plan)?
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
        let (server, cookie) =
            mizan(&build, &work.join(format!("idle-{n}")), &[], Launch::Pinned).await?;
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

    // 5. Instructions per request, counted by callgrind on fresh servers.
    if options.instructions {
        count_instructions(&build, &work, plan.counted, &mut report).await?;
    }

    // 6. Sizes.
    report.sizes = sizes::measure(&build.site, &build.server)?;

    // 7. The development loop, when asked.
    if options.dev_loop {
        report.dev_loop = Some(sizes::dev_loop()?);
    }
    let _ = std::fs::remove_dir_all(&work);
    Ok(report)
}

/// Counts the instructions per request of the rows measured on the baselines and on the
/// embedded Mizan server, each on a fresh server under callgrind: `counted` requests per
/// function row, a tenth of them per page.
async fn count_instructions(
    build: &Build,
    work: &Path,
    counted: usize,
    report: &mut Report,
) -> Result<(), String> {
    let per_page = (counted / 10).max(10);
    let out = work.join("raw.callgrind");
    let addr = local(free_port());
    let raw = Launch::Counted(&out).start(&build.baseline, &[addr.to_string()], &[], addr)?;
    let n = instructions::per_request(&raw, &raw_echo(), counted).await?;
    report.set_instructions(RAW_AXUM, n);
    drop(raw);

    let out = work.join("leptos.callgrind");
    let addr = local(free_port());
    let leptos = Launch::Counted(&out).start(
        &build.leptos_baseline,
        &leptos_args(build, addr),
        &[],
        addr,
    )?;
    let n = instructions::per_request(&leptos, &api("/api/echo", None), counted).await?;
    report.set_instructions(BARE_SERVER_FN, n);
    let n = instructions::per_request(&leptos, &home_page(None), per_page).await?;
    report.set_instructions(BARE_PAGE, n);
    drop(leptos);

    let out = work.join("mizan.callgrind");
    let (server, cookie) = mizan(build, &work.join("counted"), &[], Launch::Counted(&out)).await?;
    for (name, _, request) in mizan_cases(&cookie) {
        let n = if request.method == "GET" {
            per_page
        } else {
            counted
        };
        let count = instructions::per_request(&server, &request, n).await?;
        report.set_instructions(name, count);
    }
    Ok(())
}

/// The rows measured on the embedded Mizan server: (name, script file, request).
fn mizan_cases(cookie: &str) -> [(&'static str, &'static str, Request); 5] {
    [
        (ECHO, "echo", api("/api/echo", None)),
        (
            "authenticated function (session + user)",
            "auth",
            api("/api/account_summary", Some(cookie)),
        ),
        ("cached function hit, in-process", "cached", stats()),
        ("SSR home page, anonymous", "ssr", home_page(None)),
        (
            "SSR home page, signed in",
            "ssr-user",
            home_page(Some(cookie.to_owned())),
        ),
    ]
}

/// The raw axum baseline's echo.
fn raw_echo() -> Request {
    api("/echo", None)
}

/// A form-encoded call of the function at `path` (`text=hello`), signed in with `cookie`
/// when given.
fn api(path: &str, cookie: Option<&str>) -> Request {
    Request {
        method: "POST",
        path: path.into(),
        body: Some("text=hello".into()),
        cookie: cookie.map(str::to_owned),
        accept: "application/json",
    }
}

/// The cached report: `site_stats` takes no arguments, so an empty form, as the site's
/// own pages send it (the edge worker leaves a call with fields the function does not
/// take to the origin).
fn stats() -> Request {
    Request {
        body: Some(String::new()),
        ..api("/api/site_stats", None)
    }
}

/// The Leptos baseline's arguments: where it listens and the site it serves.
fn leptos_args(build: &Build, addr: SocketAddr) -> Vec<String> {
    vec![addr.to_string(), build.site.display().to_string()]
}

/// This machine: its CPU's model name and how many cores it has.
fn machine() -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("model name"))
                .and_then(|rest| rest.split_once(':'))
                .map(|(_, name)| name.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    // (Counted in /proc: this process is pinned to one of them.)
    let cores = std::fs::read_to_string("/proc/cpuinfo").map_or(0, |info| {
        info.lines()
            .filter(|line| line.starts_with("processor"))
            .count()
    });
    format!("{model}, {cores} cores")
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
    launch: Launch<'_>,
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
    let server = launch.start(&build.server, &[], &env, addr)?;
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
        instructions: None,
        errors,
    })
}
