//! `server check --deploy`, after Django's: reads the production settings and names every
//! problem at once, instead of the first one at start-up.
//!
//! Errors make the check fail (the Docker image does not start with one); warnings are
//! choices to make knowingly.

use std::fmt;

use crate::config::{Config, MIN_SECRET_KEY_LEN};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Unsafe or broken in production.
    Error,
    /// Works, with a limit the operator should know.
    Warning,
}

/// One problem, with the variable to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// The environment variable it is about.
    pub var: &'static str,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{severity}: {}: {}", self.var, self.message)
    }
}

/// Words that give a placeholder away.
const PLACEHOLDERS: [&str; 6] = ["change", "secret", "example", "password", "default", "xxxx"];
/// Fewer distinct characters than this is not a random key.
const MIN_DISTINCT: usize = 10;

/// Every problem of the settings `lookup` gives (a variable name to its value) for the
/// project `name` ([`Config::name`]).
pub fn check(name: &'static str, lookup: impl Fn(&str) -> Option<String>) -> Vec<Finding> {
    let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
    let flag = |name: &str| get(name).is_some_and(|v| v == "true" || v == "1");
    let mut findings = Vec::new();
    let mut error = |var, message: String| {
        findings.push(Finding {
            severity: Severity::Error,
            var,
            message,
        });
    };

    if get("MIZAN_ENV").as_deref() != Some("production") {
        error(
            "MIZAN_ENV",
            "not `production`: a generated secret key, /metrics open to anyone, the \
             development mailbox at /dev/mailbox, cookies without `Secure`"
                .into(),
        );
    }
    match get("SECRET_KEY") {
        None => error(
            "SECRET_KEY",
            format!(
                "missing: set a random string of {MIN_SECRET_KEY_LEN}+ characters (`openssl rand -hex 32`)"
            ),
        ),
        Some(key) if key.len() < MIN_SECRET_KEY_LEN => error(
            "SECRET_KEY",
            format!(
                "{} characters: use at least {MIN_SECRET_KEY_LEN}",
                key.len()
            ),
        ),
        Some(key) if is_weak(&key) => error(
            "SECRET_KEY",
            "looks like a placeholder, not a random key: use `openssl rand -hex 32`".into(),
        ),
        Some(_) => {}
    }
    let site_url = get("MIZAN_SITE_URL");
    match site_url.as_deref() {
        None => error(
            "MIZAN_SITE_URL",
            "missing: mailed links would name the listening address; set the public \
             https:// address"
                .into(),
        ),
        Some(url) if !url.starts_with("https://") => error(
            "MIZAN_SITE_URL",
            format!(
                "`{url}` is not https: sessions and passwords would cross the network in clear"
            ),
        ),
        Some(_) if !flag("MIZAN_BEHIND_PROXY") && get("MIZAN_TRUSTED_PROXIES").is_none() => error(
            "MIZAN_BEHIND_PROXY",
            "unset, but the site is https and the server speaks plain HTTP, so a proxy is in \
             front: set `MIZAN_TRUSTED_PROXIES` to its networks (or `MIZAN_BEHIND_PROXY=true` \
             for a proxy on this machine), or every client shares the proxy's address in \
             the per-client limits"
                .into(),
        ),
        Some(_) => {}
    }
    if get("SMTP_URL").is_none() {
        error(
            "SMTP_URL",
            "missing: verification, password-reset and email-change mails are not sent".into(),
        );
    }
    if get("MIZAN_METRICS_TOKEN").is_some_and(|token| token.len() < 16) {
        error(
            "MIZAN_METRICS_TOKEN",
            "shorter than 16 characters: anyone could guess their way into /metrics".into(),
        );
    }

    let mut warning = |var, message: &str| {
        findings.push(Finding {
            severity: Severity::Warning,
            var,
            message: message.into(),
        });
    };
    if get("DATABASE_URL").is_none() {
        warning(
            "DATABASE_URL",
            "unset: SQLite in MIZAN_DATA_DIR, for one server with a persistent volume",
        );
    }
    if get("REDIS_URL").is_none() {
        warning(
            "REDIS_URL",
            "unset: cache, channel groups and rate limits are per process; use Redis for more \
             than one server",
        );
    }
    if flag("MIZAN_API_DOCS") {
        warning(
            "MIZAN_API_DOCS",
            "on: /api/docs shows every function to anyone (the document itself is always served)",
        );
    }

    // Whatever the server itself would refuse at start-up (a malformed value).
    if let Err(e) = Config::load_without_side_effects(name, get)
        && !findings.iter().any(|f| f.var == e.var)
    {
        findings.push(Finding {
            severity: Severity::Error,
            var: e.var,
            message: e.message,
        });
    }
    findings
}

/// A key a person typed: a placeholder word, or too few distinct characters.
fn is_weak(key: &str) -> bool {
    let lower = key.to_lowercase();
    let mut distinct: Vec<char> = key.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    distinct.len() < MIN_DISTINCT || PLACEHOLDERS.iter().any(|word| lower.contains(word))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn check_env(vars: &[(&str, &str)]) -> Vec<Finding> {
        let env: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        check("example", |name| env.get(name).cloned())
    }

    fn errors(findings: &[Finding]) -> Vec<&'static str> {
        findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| f.var)
            .collect()
    }

    const GOOD: [(&str, &str); 7] = [
        ("MIZAN_ENV", "production"),
        ("SECRET_KEY", "9f1c2e7a4b8d0f3e6a5c1b7d9e2f4a8c"),
        ("MIZAN_SITE_URL", "https://example.org"),
        ("MIZAN_BEHIND_PROXY", "true"),
        ("SMTP_URL", "smtps://user:pass@smtp.example.org"),
        ("DATABASE_URL", "postgres://app@db/app"),
        ("REDIS_URL", "redis://cache:6379"),
    ];

    #[test]
    fn a_good_production_environment_passes() {
        let findings = check_env(&GOOD);
        assert!(findings.is_empty(), "{findings:?}");
    }

    #[test]
    fn an_empty_environment_names_every_problem() {
        assert_eq!(
            errors(&check_env(&[])),
            ["MIZAN_ENV", "SECRET_KEY", "MIZAN_SITE_URL", "SMTP_URL"]
        );
    }

    #[test]
    fn weak_keys_plain_http_and_a_missing_proxy_flag_are_errors() {
        let mut vars = GOOD.to_vec();
        vars[1] = ("SECRET_KEY", "changeme-changeme-changeme-changeme");
        vars[2] = ("MIZAN_SITE_URL", "http://example.org");
        assert_eq!(errors(&check_env(&vars)), ["SECRET_KEY", "MIZAN_SITE_URL"]);

        let mut vars = GOOD.to_vec();
        vars[1] = ("SECRET_KEY", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        vars[3] = ("MIZAN_BEHIND_PROXY", "false");
        assert_eq!(
            errors(&check_env(&vars)),
            ["SECRET_KEY", "MIZAN_BEHIND_PROXY"]
        );
    }

    #[test]
    fn a_malformed_value_is_reported_as_the_server_would() {
        let mut vars = GOOD.to_vec();
        vars.push(("DATABASE_MAX_CONNECTIONS", "many"));
        let findings = check_env(&vars);
        assert_eq!(
            errors(&findings),
            ["DATABASE_MAX_CONNECTIONS"],
            "{findings:?}"
        );
    }
}
