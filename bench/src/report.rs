//! The figures of a bench run, and the markdown table they make.

use std::fmt::Write as _;

use crate::lighthouse::Scores;
use crate::sizes::{DevLoop, Sizes};
use crate::ws::FanOut;

/// One HTTP measurement.
#[derive(Debug, Clone, Default)]
pub struct Row {
    /// What was measured.
    pub name: String,
    /// Requests per second (median run).
    pub rps: f64,
    /// Median latency, ms (median run).
    pub p50_ms: f64,
    /// 99th percentile latency, ms (median run).
    pub p99_ms: f64,
    /// Server CPU time per request, µs (all runs).
    pub cpu_us: f64,
    /// Instructions the server executes per request (callgrind), when counted.
    pub instructions: Option<f64>,
    /// Non-2xx/3xx responses seen (should be none).
    pub errors: u64,
}

impl Row {
    /// The row with its name.
    #[must_use]
    pub fn named(mut self, name: &str) -> Self {
        self.name = name.to_owned();
        self
    }
}

/// Everything a run measured.
#[derive(Debug, Default)]
pub struct Report {
    /// The machine: CPU model and cores.
    pub machine: String,
    /// HTTP rows, the baselines first.
    pub rows: Vec<Row>,
    /// Fan-out measurements.
    pub fan_out: Vec<(String, FanOut)>,
    /// Idle connections: how many, and bytes of server memory each.
    pub idle: Vec<(usize, f64)>,
    /// Bundle and binary sizes.
    pub sizes: Sizes,
    /// Server memory after start-up, KiB.
    pub rss_idle_kib: u64,
    /// Server memory at its peak under HTTP load, KiB.
    pub rss_load_kib: u64,
    /// The development loop, when measured.
    pub dev_loop: Option<DevLoop>,
    /// Lighthouse, per page, when measured.
    pub lighthouse: Vec<Scores>,
}

/// The raw axum handler: the floor of what any framework adds.
pub const RAW_AXUM: &str = "raw axum JSON echo";
/// A bare Leptos `#[server]` function: the direct peer of a server function.
pub const BARE_SERVER_FN: &str = "bare Leptos `#[server]` echo";
/// A bare Leptos page: the peer of a page.
pub const BARE_PAGE: &str = "bare Leptos page";
/// Our `echo`: the peer of the other function rows.
pub const ECHO: &str = "`echo` server function";

/// Each row's baseline and target, as (row name prefix, baseline row name prefix, least
/// ratio of their requests per second, when there is a target).
const RATIO_TARGETS: [(&str, &str, Option<f64>); 9] = [
    (BARE_SERVER_FN, RAW_AXUM, None),
    (BARE_PAGE, RAW_AXUM, None),
    (ECHO, BARE_SERVER_FN, Some(1.0)),
    ("authenticated function", ECHO, Some(0.9)),
    ("cached function hit, in-process", ECHO, Some(0.9)),
    ("cached function hit, Redis", ECHO, Some(0.7)),
    ("cached function hit, at the edge", ECHO, None),
    ("SSR home page, anonymous", BARE_PAGE, Some(0.5)),
    ("SSR home page, signed in", BARE_PAGE, Some(0.45)),
];
/// Instructions per `echo` request, at most this many times the raw axum handler's.
const ECHO_INSTRUCTIONS_TARGET: f64 = 1.3;
/// The home page's first load (JS + wasm), brotli, at most.
const FIRST_LOAD_TARGET_BYTES: u64 = 180 * 1000;
/// The whole app's wasm, brotli, at most.
const ALL_WASM_TARGET_BYTES: u64 = 350 * 1000;
/// Lighthouse: the least performance score; the other three must be 100.
const LIGHTHOUSE_PERFORMANCE: u8 = 90;
/// Server memory per idle WebSocket connection, at most.
const IDLE_TARGET_BYTES: f64 = 20.0 * 1024.0;

/// A table's heading: the first column, right-aligned figures, and a target column. A
/// table after another is set apart by a blank line.
fn head(out: &mut String, title: &str, figures: &[&str]) {
    if !out.is_empty() {
        out.push('\n');
    }
    let _ = writeln!(out, "| {title} | {} | target |", figures.join(" | "));
    let _ = writeln!(out, "|---|{}---|", "---:|".repeat(figures.len()));
}

fn verdict(pass: bool) -> &'static str {
    if pass { "pass" } else { "**FAIL**" }
}

/// A baseline's short name, for the ratio column.
fn short(baseline: &'static str) -> &'static str {
    match baseline {
        RAW_AXUM => "raw axum",
        BARE_SERVER_FN => "Leptos fn",
        BARE_PAGE => "Leptos page",
        ECHO => "echo",
        other => other,
    }
}

fn kb(bytes: u64) -> String {
    format!("{:.1} KB", bytes as f64 / 1000.0)
}

impl Report {
    /// Sets the instructions per request of the row whose name starts with `prefix`.
    pub fn set_instructions(&mut self, prefix: &str, count: f64) {
        if let Some(row) = self
            .rows
            .iter_mut()
            .find(|row| row.name.starts_with(prefix))
        {
            row.instructions = Some(count);
        }
    }

    /// The row whose name starts with `prefix`.
    fn row(&self, prefix: &str) -> Option<&Row> {
        self.rows.iter().find(|row| row.name.starts_with(prefix))
    }

    /// The report as markdown tables.
    pub fn markdown(&self) -> String {
        let mut out = format!("Machine: {}\n\n", self.machine);
        head(
            &mut out,
            "HTTP (wrk, 32 connections)",
            &[
                "req/s",
                "p50 ms",
                "p99 ms",
                "server CPU µs/req",
                "instructions/req",
                "× its baseline",
            ],
        );
        for row in &self.rows {
            let compared = RATIO_TARGETS
                .iter()
                .find(|(prefix, _, _)| row.name.starts_with(prefix))
                .and_then(|(_, baseline, least)| {
                    let base = self.row(baseline)?;
                    Some((row.rps / base.rps.max(1.0), *baseline, *least))
                });
            let ratio = compared.map_or(String::new(), |(ratio, baseline, _)| {
                format!("{ratio:.2} ({})", short(baseline))
            });
            let mut targets: Vec<String> = compared
                .and_then(|(ratio, _, least)| {
                    least.map(|least| format!("≥ {least:.2}× {}", verdict(ratio >= least)))
                })
                .into_iter()
                .collect();
            if row.name.starts_with(ECHO)
                && let (Some(ours), Some(raw)) = (
                    row.instructions,
                    self.row(RAW_AXUM).and_then(|raw| raw.instructions),
                )
            {
                let times = ours / raw.max(1.0);
                targets.push(format!(
                    "instructions {times:.2}× raw axum, ≤ {ECHO_INSTRUCTIONS_TARGET:.1}× {}",
                    verdict(times <= ECHO_INSTRUCTIONS_TARGET)
                ));
            }
            let errors = if row.errors > 0 {
                format!(" ({} errors)", row.errors)
            } else {
                String::new()
            };
            let instructions = row
                .instructions
                .map_or("-".to_owned(), |n| format!("{:.0}k", n / 1000.0));
            let _ = writeln!(
                out,
                "| {}{errors} | {:.0} | {:.2} | {:.2} | {:.1} | {instructions} | {ratio} | {} |",
                row.name,
                row.rps,
                row.p50_ms,
                row.p99_ms,
                row.cpu_us,
                targets.join("; ")
            );
        }
        head(
            &mut out,
            "WebSocket fan-out (50 messages to every member)",
            &["deliveries/s", "p50 ms", "p99 ms", "delivered"],
        );
        for (name, fan) in &self.fan_out {
            let _ = writeln!(
                out,
                "| {name} | {:.0} | {:.1} | {:.1} | {}/{} | |",
                fan.deliveries_per_sec, fan.p50_ms, fan.p99_ms, fan.delivered, fan.expected
            );
        }
        head(
            &mut out,
            "Idle WebSocket connections",
            &["server memory each"],
        );
        for (n, bytes) in &self.idle {
            let _ = writeln!(
                out,
                "| {n} | {:.1} KiB | ≤ {:.0} KiB {} |",
                bytes / 1024.0,
                IDLE_TARGET_BYTES / 1024.0,
                verdict(*bytes <= IDLE_TARGET_BYTES)
            );
        }
        let s = &self.sizes;
        head(&mut out, "Sizes", &["raw", "gzip", "brotli"]);
        for (name, size, limit) in [
            (
                "first load of `/` (JS + wasm)",
                &s.first_load,
                FIRST_LOAD_TARGET_BYTES,
            ),
            ("the whole app's wasm", &s.all_wasm, ALL_WASM_TARGET_BYTES),
        ] {
            let _ = writeln!(
                out,
                "| {name} | {} | {} | {} | ≤ {} KB brotli {} |",
                kb(size.raw),
                kb(size.gzip),
                kb(size.brotli),
                limit / 1000,
                verdict(size.brotli <= limit)
            );
        }
        let _ = writeln!(out, "| server binary | {} | | | |", kb(s.binary));
        let _ = writeln!(
            out,
            "| server memory (RSS): idle / peak under HTTP load | {:.1} MiB / {:.1} MiB | | | |",
            self.rss_idle_kib as f64 / 1024.0,
            self.rss_load_kib as f64 / 1024.0
        );
        if !self.lighthouse.is_empty() {
            head(
                &mut out,
                "Lighthouse (mobile)",
                &[
                    "performance",
                    "accessibility",
                    "best practices",
                    "SEO",
                    "LCP ms",
                    "TBT ms",
                    "JS + wasm sent",
                ],
            );
            for page in &self.lighthouse {
                let score = |s: Option<u8>| s.map_or("-".to_owned(), |s| s.to_string());
                let ms = |m: Option<u64>| m.map_or("-".to_owned(), |m| m.to_string());
                let pass = page.performance.unwrap_or(0) >= LIGHTHOUSE_PERFORMANCE
                    && [page.accessibility, page.best_practices, page.seo]
                        .iter()
                        .all(|s| *s == Some(100));
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} | {} | {} | ≥ {LIGHTHOUSE_PERFORMANCE}, 100, 100, 100 {} |",
                    page.page,
                    score(page.performance),
                    score(page.accessibility),
                    score(page.best_practices),
                    score(page.seo),
                    ms(page.lcp_ms),
                    ms(page.tbt_ms),
                    kb(page.script_bytes),
                    verdict(pass)
                );
            }
        }
        if let Some(dev) = &self.dev_loop {
            let _ = writeln!(out);
            let _ = writeln!(out, "| Development loop | seconds |");
            let _ = writeln!(out, "|---|---:|");
            let _ = writeln!(
                out,
                "| `cargo leptos watch`: one-line change in a page → new page served | {:.1} |",
                dev.rebuild_secs
            );
            let _ = writeln!(
                out,
                "| clean `cargo leptos build --release --split --precompress` | {:.0} |",
                dev.release_secs
            );
        }
        out
    }
}
