//! Lighthouse scores per page, from `scripts/lighthouse.mjs` (npm `lighthouse`, Debian's
//! chromium, default mobile settings) run against a server of the bench.

use std::net::SocketAddr;
use std::process::{Command, Stdio};

use serde::Deserialize;

/// One page's scores (0–100) and what it cost to load.
#[derive(Debug, Clone, Deserialize)]
pub struct Scores {
    /// The path measured.
    pub page: String,
    /// Performance score.
    pub performance: Option<u8>,
    /// Accessibility score.
    pub accessibility: Option<u8>,
    /// Best practices score.
    pub best_practices: Option<u8>,
    /// SEO score.
    pub seo: Option<u8>,
    /// Largest contentful paint (simulated slow 4G), ms.
    pub lcp_ms: Option<u64>,
    /// Total blocking time, ms.
    pub tbt_ms: Option<u64>,
    /// JavaScript and WebAssembly the page transferred, bytes.
    pub script_bytes: u64,
}

/// Runs Lighthouse on every page the script knows against the server at `addr`.
pub fn run(addr: SocketAddr) -> Result<Vec<Scores>, String> {
    let output = Command::new("node")
        .args([
            "scripts/lighthouse.mjs",
            &format!("http://{addr}"),
            "--json",
        ])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run node scripts/lighthouse.mjs: {e}"))?;
    if !output.status.success() {
        return Err("scripts/lighthouse.mjs failed".into());
    }
    serde_json::from_slice(&output.stdout).map_err(|e| format!("lighthouse output: {e}"))
}
