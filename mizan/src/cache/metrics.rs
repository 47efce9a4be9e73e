//! Counters of what the cache did, per function, for logs and `/metrics`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

/// What one cache operation came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Served from the cache.
    Hit,
    /// Computed (and stored).
    Miss,
    /// The store failed or timed out; the result was computed and served anyway.
    Error,
    /// An entry, or a whole function, was purged.
    Purge,
}

impl Outcome {
    const ALL: [Self; 4] = [Self::Hit, Self::Miss, Self::Error, Self::Purge];

    fn index(self) -> usize {
        self as usize
    }

    fn metric(self) -> (&'static str, &'static str) {
        match self {
            Self::Hit => ("mizan_cache_hits_total", "Results served from the cache."),
            Self::Miss => ("mizan_cache_misses_total", "Results computed and stored."),
            Self::Error => (
                "mizan_cache_errors_total",
                "Cache store failures; the result was computed and served anyway.",
            ),
            Self::Purge => (
                "mizan_cache_purges_total",
                "Purges of one entry or of a function.",
            ),
        }
    }
}

/// Counts per function name.
#[derive(Debug, Default)]
pub struct CacheMetrics {
    counts: Mutex<BTreeMap<String, [u64; 4]>>,
}

impl CacheMetrics {
    /// Counts one `outcome` for function `name`.
    pub fn record(&self, name: &str, outcome: Outcome) {
        tracing::debug!(function = name, ?outcome, "cache");
        if let Ok(mut counts) = self.counts.lock() {
            match counts.get_mut(name) {
                Some(row) => row[outcome.index()] += 1,
                None => {
                    let mut row = [0; 4];
                    row[outcome.index()] = 1;
                    counts.insert(name.to_owned(), row);
                }
            }
        }
    }

    /// How many times `outcome` happened for `name`.
    pub fn count(&self, name: &str, outcome: Outcome) -> u64 {
        self.counts
            .lock()
            .ok()
            .and_then(|counts| counts.get(name).map(|row| row[outcome.index()]))
            .unwrap_or(0)
    }

    /// Every counter in Prometheus' text format.
    pub fn prometheus(&self) -> String {
        let counts = self.counts.lock().map(|c| c.clone()).unwrap_or_default();
        let mut out = String::new();
        for outcome in Outcome::ALL {
            let (metric, help) = outcome.metric();
            let _ = writeln!(out, "# HELP {metric} {help}");
            let _ = writeln!(out, "# TYPE {metric} counter");
            for (name, row) in &counts {
                let _ = writeln!(
                    out,
                    "{metric}{{function=\"{name}\"}} {}",
                    row[outcome.index()]
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_function_in_prometheus_text() {
        let metrics = CacheMetrics::default();
        metrics.record("stats", Outcome::Miss);
        metrics.record("stats", Outcome::Hit);
        metrics.record("stats", Outcome::Hit);
        metrics.record("echo", Outcome::Error);
        assert_eq!(metrics.count("stats", Outcome::Hit), 2);
        assert_eq!(metrics.count("nothing", Outcome::Hit), 0);
        let text = metrics.prometheus();
        assert!(
            text.contains("# TYPE mizan_cache_hits_total counter\n"),
            "{text}"
        );
        assert!(
            text.contains("mizan_cache_hits_total{function=\"stats\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("mizan_cache_errors_total{function=\"echo\"} 1\n"),
            "{text}"
        );
    }
}
