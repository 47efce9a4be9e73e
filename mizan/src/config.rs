//! Settings read from the environment (and an optional `.env`), checked once at start-up.
//!
//! | variable           | default                                   |
//! |--------------------|-------------------------------------------|
//! | `MIZAN_ENV`        | `development` (or `production`)           |
//! | `MIZAN_DATA_DIR`   | `data` (created on first start)           |
//! | `DATABASE_URL`     | `sqlite://<MIZAN_DATA_DIR>/<name>.db`     |
//! | `REDIS_URL`        | unset (embedded cache and channel hub)    |
//! | `SECRET_KEY`       | required in production; in development a key generated once and kept in `<MIZAN_DATA_DIR>/secret_key` |
//! | `LEPTOS_SITE_ADDR` | `127.0.0.1:3000` (the address to listen on) |
//! | `MIZAN_SITE_URL`   | `http://<LEPTOS_SITE_ADDR>` (the public address of the site) |
//! | `MIZAN_METRICS_TOKEN` | unset: `/metrics` open in development, off in production; set: `/metrics` asks for `Authorization: Bearer <token>` |
//! | `MIZAN_CACHE_TIMEOUT_MS` | `50`: how long the cache waits for Redis before computing without it |
//! | `DATABASE_MAX_CONNECTIONS` | `10`: the size of the database pool |
//! | `MIZAN_DB_WAIT_SECS` | `30`: how long start-up waits for the database to answer |
//! | `MIZAN_BEHIND_PROXY` | `false`; `true` behind a reverse proxy on this machine or a private network (loopback and private ranges are trusted, as Rails does): client addresses (per-client limits) come from its `X-Forwarded-For` |
//! | `MIZAN_TRUSTED_PROXIES` | unset; the proxies in front of the site, as networks or addresses (`173.245.48.0/20, 10.0.0.0/8`): only their `X-Forwarded-For` is believed (`mizan::server::client`) |
//! | `MIZAN_SESSION_CHECK_MS` | `60000`: how often an open WebSocket checks that its session still exists (an expired one closes) |
//! | `MIZAN_WS_CONNECTIONS_PER_USER` | `20`: WebSocket connections one user may hold on one channel of one process (ten times as many per client address when not signed in); past it the handshake gets 429 |
//! | `SMTP_URL`         | unset: in development mail goes to the log and `/dev/mailbox`; e.g. `smtps://user:pass@smtp.example.com` |
//! | `MAIL_FROM`        | `Mizan <no-reply@localhost>`                |
//! | `MIZAN_REQUIRE_VERIFIED_EMAIL` | `false`; `true`: accounts sign in only once their email is verified |
//! | `MIZAN_DELETION_GRACE_DAYS` | `14`: how long an account its owner asked to delete waits, cancellable, before it goes (1 to 90) |
//! | `OAUTH_PROVIDERS`  | unset; e.g. `github,google`: each needs `OAUTH_<NAME>_CLIENT_ID` and `_CLIENT_SECRET`; other names also `_AUTHORIZE_URL`, `_TOKEN_URL`, `_USERINFO_URL` (and `_SCOPES`, `_LABEL`) |

use std::fmt;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The shortest `SECRET_KEY` accepted, in bytes.
pub const MIN_SECRET_KEY_LEN: usize = 32;

/// How long the cache waits for Redis by default, in milliseconds.
const DEFAULT_CACHE_TIMEOUT_MS: u64 = 50;
/// The database pool's size by default.
const DEFAULT_DATABASE_MAX_CONNECTIONS: u64 = 10;
/// How long start-up waits for the database by default, in seconds.
const DEFAULT_DATABASE_WAIT_SECS: u64 = 30;
/// Background jobs run at once in the server process.
const DEFAULT_JOB_WORKERS: usize = 4;
/// How often idle workers look for due jobs (enqueuing wakes this process's at once).
const DEFAULT_JOB_POLL_MS: u64 = 500;
/// The first retry's wait.
const DEFAULT_JOB_BACKOFF_MS: u64 = 1000;

/// How often an open WebSocket checks its session, by default.
const DEFAULT_SESSION_CHECK_MS: u64 = 60_000;
/// The days an account waits between its owner's request and its deletion, by default.
const DEFAULT_DELETION_GRACE_DAYS: u64 = 14;
/// The longest grace accepted: a cancellation link lives as long.
pub const MAX_DELETION_GRACE_DAYS: u64 = 90;

/// WebSocket connections per user (per channel and process), by default.
const DEFAULT_CONNECTIONS_PER_USER: u64 = 20;

/// Name of the file, inside the data directory, that keeps the development secret key.
const SECRET_KEY_FILE: &str = "secret_key";

/// A setting that is missing or wrong, with the variable it came from.
#[derive(Debug, thiserror::Error)]
#[error("{var}: {message}")]
pub struct ConfigError {
    /// The environment variable at fault (or `project name`).
    pub var: &'static str,
    /// What is wrong with it, in words a person can act on.
    pub message: String,
}

impl ConfigError {
    fn new(var: &'static str, message: impl Into<String>) -> Self {
        Self {
            var,
            message: message.into(),
        }
    }
}

/// Where the server runs: development is forgiving, production insists on real secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// Local work: generated secret, readable logs.
    Development,
    /// A deployment: `SECRET_KEY` required, secure cookies, JSON logs.
    Production,
}

impl Environment {
    /// True in production.
    pub fn is_production(self) -> bool {
        self == Self::Production
    }
}

/// A value that must never appear in logs: `Debug` prints a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(\"***\")")
    }
}

/// Every setting the server needs, validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// The project's name in files and cookies (the app's, e.g. `acme`): its SQLite file
    /// `<data_dir>/<name>.db`, its session cookie `<name>_session`.
    pub name: &'static str,
    /// Development or production.
    pub environment: Environment,
    /// Directory for the SQLite file and the development secret key.
    pub data_dir: PathBuf,
    /// Database connection URL (`sqlite:` or `postgres:`); may hold a password.
    pub database_url: Secret,
    /// Redis connection URL, when Redis is used; may hold a password.
    pub redis_url: Option<Secret>,
    /// Key for signing (sessions, cache keys).
    pub secret_key: Secret,
    /// Address the server listens on.
    pub bind_addr: SocketAddr,
    /// Public address of the site, without a trailing slash (e.g. `https://example.com`).
    pub site_url: String,
    /// The token `/metrics` asks for; `None`: open in development, off in production.
    pub metrics_token: Option<Secret>,
    /// How long the cache waits for Redis before it computes without it.
    pub cache_timeout: std::time::Duration,
    /// The most database connections the pool opens.
    pub database_max_connections: u32,
    /// How long start-up waits for the database to answer.
    pub database_wait: std::time::Duration,
    /// The proxies whose `X-Forwarded-For` says who the client is (none: the peer is).
    pub trusted_proxies: crate::server::client::TrustedProxies,
    /// How often an open WebSocket checks that its session still exists.
    pub session_check: std::time::Duration,
    /// WebSocket connections one user may hold open on one channel of one process
    /// (`MIZAN_WS_CONNECTIONS_PER_USER`); ten times as many per client address for
    /// visitors who are not signed in.
    pub connections_per_user: u32,
    /// Where mail goes: an SMTP server, or (unset) the log and `/dev/mailbox`.
    pub smtp_url: Option<Secret>,
    /// The sender of our mail.
    pub mail_from: String,
    /// Whether an account must verify its email before it signs in.
    pub require_verified_email: bool,
    /// How long an account whose owner asked to delete it waits, and may be kept, before
    /// it goes (`MIZAN_DELETION_GRACE_DAYS`).
    pub deletion_grace: std::time::Duration,
    /// Whether `/api/docs` (the API's page for people) is served: `MIZAN_API_DOCS`, on by
    /// default in development, off in production.
    pub api_docs: bool,
    /// The OAuth providers people may sign in with.
    pub oauth: Vec<OAuthProvider>,
    /// How many background jobs this process runs at once (`MIZAN_JOB_WORKERS`, 0: none;
    /// `server worker` runs them instead).
    pub job_workers: usize,
    /// How often idle workers look for due jobs (`MIZAN_JOB_POLL_MS`).
    pub job_poll: std::time::Duration,
    /// The wait after a job's first failure, doubled per attempt (`MIZAN_JOB_BACKOFF_MS`).
    pub job_backoff: std::time::Duration,
    /// The public address the edge worker serves (`MIZAN_EDGE_URL`, e.g.
    /// `https://example.com`): purges are sent there too. `None`: no edge.
    pub edge_url: Option<String>,
}

/// What an OAuth provider's answers look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    /// GitHub: the user at `/user`, verified emails at `/user/emails`.
    GitHub,
    /// OpenID Connect's userinfo (`sub`, `email`, `email_verified`, `name`): Google and
    /// any other provider.
    OpenIdConnect,
}

/// One OAuth provider, configured.
#[derive(Debug, Clone)]
pub struct OAuthProvider {
    /// Its name in URLs (`github`): `/auth/github/start`.
    pub id: String,
    /// Its name for people (`GitHub`).
    pub label: String,
    /// How its answers look.
    pub kind: ProviderKind,
    /// Our client id there.
    pub client_id: String,
    /// Our client secret there.
    pub client_secret: Secret,
    /// Where people authorize us.
    pub authorize_url: String,
    /// Where we trade a code for a token.
    pub token_url: String,
    /// Where we read who they are.
    pub userinfo_url: String,
    /// The scopes we ask for.
    pub scopes: Vec<String>,
}

/// Adds the variables of `.env` (if present) to the process environment.
///
/// # Errors
/// A [`ConfigError`] when `.env` is malformed (a missing one is normal).
pub fn read_dotenv() -> Result<(), ConfigError> {
    match dotenvy::dotenv() {
        Ok(_) => Ok(()),
        Err(e) if e.not_found() => Ok(()),
        Err(e) => Err(ConfigError::new(".env", e.to_string())),
    }
}

impl Config {
    /// Whether the database is PostgreSQL (otherwise SQLite), where their SQL differs.
    pub fn is_postgres(&self) -> bool {
        self.database_url.expose().starts_with("postgres")
    }

    /// Reads `.env` (if present) and the process environment, for the project `name`
    /// (see [`Config::name`]).
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first variable that is missing or wrong, or the data
    /// directory that cannot be created.
    pub fn from_env(name: &'static str) -> Result<Self, ConfigError> {
        read_dotenv()?;
        Self::load(name, |var| std::env::var(var).ok())
    }

    /// The session cookie's name: `<name>_session`.
    pub fn session_cookie(&self) -> String {
        format!("{}_session", self.name)
    }

    /// The name of the cookie that tells the accounts a browser signs in to that they
    /// know it ([`crate::auth::known_browsers`]): `<name>_browser`, and in production
    /// `__Host-<name>_browser` (only this host, over HTTPS, may set it).
    pub fn browser_cookie(&self) -> String {
        let prefix = if self.environment.is_production() {
            "__Host-"
        } else {
            ""
        };
        format!("{prefix}{}_browser", self.name)
    }

    /// Builds the settings from `lookup` (a variable name to its value). Creates the data
    /// directory, and in development the secret key file, when they do not exist yet.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first variable that is missing or wrong.
    pub fn load(
        name: &'static str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        Self::read(name, lookup, true)
    }

    /// Reads the settings as [`Config::load`] does, without creating the data directory
    /// or a development key (for `server check`).
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first variable that is missing or wrong.
    pub fn load_without_side_effects(
        name: &'static str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        Self::read(name, lookup, false)
    }

    fn read(
        name: &'static str,
        lookup: impl Fn(&str) -> Option<String>,
        side_effects: bool,
    ) -> Result<Self, ConfigError> {
        check_project_name(name)?;
        // An empty value counts as unset, as in most shells' `VAR= cmd`.
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());

        let environment = match get("MIZAN_ENV").as_deref() {
            None | Some("development") => Environment::Development,
            Some("production") => Environment::Production,
            Some(other) => {
                return Err(ConfigError::new(
                    "MIZAN_ENV",
                    format!("`{other}` is not an environment: use `development` or `production`"),
                ));
            }
        };

        let data_dir = PathBuf::from(get("MIZAN_DATA_DIR").unwrap_or_else(|| "data".into()));
        let create_dir = |dir: &Path| {
            if side_effects {
                std::fs::create_dir_all(dir)
            } else {
                Ok(())
            }
        };
        create_dir(&data_dir).map_err(|e| {
            ConfigError::new(
                "MIZAN_DATA_DIR",
                format!("cannot create `{}`: {e}", data_dir.display()),
            )
        })?;

        let database_url = match get("DATABASE_URL") {
            Some(url) => parse_database_url(&url)?,
            None => format!(
                "sqlite://{}?mode=rwc",
                data_dir.join(format!("{name}.db")).display()
            ),
        };

        let redis_url = get("REDIS_URL")
            .map(|url| parse_redis_url(&url))
            .transpose()?;

        let secret_key = match get("SECRET_KEY") {
            Some(key) => parse_secret_key(key)?,
            None if environment.is_production() => {
                return Err(ConfigError::new(
                    "SECRET_KEY",
                    format!(
                        "required when MIZAN_ENV=production: set it to a random string of at \
                         least {MIN_SECRET_KEY_LEN} characters (e.g. `openssl rand -hex 32`)"
                    ),
                ));
            }
            None if side_effects => load_or_create_secret_key(&data_dir)?,
            None => Secret(String::new()),
        };

        let bind_addr = match get("LEPTOS_SITE_ADDR") {
            Some(addr) => addr.parse().map_err(|_| {
                ConfigError::new(
                    "LEPTOS_SITE_ADDR",
                    format!("`{addr}` is not an address to listen on, like 127.0.0.1:3000"),
                )
            })?,
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
        };

        let site_url = match get("MIZAN_SITE_URL") {
            Some(url) => parse_site_url(&url)?,
            None => format!("http://{bind_addr}"),
        };

        let metrics_token = get("MIZAN_METRICS_TOKEN").map(Secret);

        let positive = |var: &'static str, default: u64, unit: &str| match get(var) {
            Some(text) => text.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                ConfigError::new(var, format!("`{text}` is not a positive number of {unit}"))
            }),
            None => Ok(default),
        };
        let cache_timeout = std::time::Duration::from_millis(positive(
            "MIZAN_CACHE_TIMEOUT_MS",
            DEFAULT_CACHE_TIMEOUT_MS,
            "milliseconds",
        )?);
        let database_max_connections = u32::try_from(positive(
            "DATABASE_MAX_CONNECTIONS",
            DEFAULT_DATABASE_MAX_CONNECTIONS,
            "connections",
        )?)
        .map_err(|_| ConfigError::new("DATABASE_MAX_CONNECTIONS", "too many connections"))?;
        let database_wait = std::time::Duration::from_secs(positive(
            "MIZAN_DB_WAIT_SECS",
            DEFAULT_DATABASE_WAIT_SECS,
            "seconds",
        )?);

        let flag = |var: &'static str| match get(var).as_deref() {
            None | Some("false" | "0") => Ok(false),
            Some("true" | "1") => Ok(true),
            Some(other) => Err(ConfigError::new(
                var,
                format!("`{other}` is not `true` or `false`"),
            )),
        };
        let trusted_proxies = match get("MIZAN_TRUSTED_PROXIES") {
            Some(list) => crate::server::client::TrustedProxies::parse(&list)
                .map_err(|problem| ConfigError::new("MIZAN_TRUSTED_PROXIES", problem))?,
            None if flag("MIZAN_BEHIND_PROXY")? => crate::server::client::TrustedProxies::local(),
            None => crate::server::client::TrustedProxies::none(),
        };
        let session_check = std::time::Duration::from_millis(positive(
            "MIZAN_SESSION_CHECK_MS",
            DEFAULT_SESSION_CHECK_MS,
            "milliseconds",
        )?);
        let connections_per_user = u32::try_from(positive(
            "MIZAN_WS_CONNECTIONS_PER_USER",
            DEFAULT_CONNECTIONS_PER_USER,
            "connections",
        )?)
        .map_err(|_| ConfigError::new("MIZAN_WS_CONNECTIONS_PER_USER", "too many connections"))?;
        let require_verified_email = flag("MIZAN_REQUIRE_VERIFIED_EMAIL")?;
        let grace_days = positive(
            "MIZAN_DELETION_GRACE_DAYS",
            DEFAULT_DELETION_GRACE_DAYS,
            "days",
        )?;
        if grace_days > MAX_DELETION_GRACE_DAYS {
            return Err(ConfigError::new(
                "MIZAN_DELETION_GRACE_DAYS",
                format!("`{grace_days}` is more than {MAX_DELETION_GRACE_DAYS} days"),
            ));
        }
        let deletion_grace = std::time::Duration::from_secs(grace_days * 24 * 60 * 60);
        let api_docs = match get("MIZAN_API_DOCS") {
            Some(_) => flag("MIZAN_API_DOCS")?,
            None => !environment.is_production(),
        };
        let edge_url = match get("MIZAN_EDGE_URL") {
            Some(url) if has_scheme(&url, &["http", "https"]) => {
                Some(url.trim_end_matches('/').to_owned())
            }
            Some(_) => {
                return Err(ConfigError::new(
                    "MIZAN_EDGE_URL",
                    "must start with http:// or https:// (the address the edge worker serves)",
                ));
            }
            None => None,
        };
        let smtp_url = match get("SMTP_URL") {
            Some(url) if has_scheme(&url, &["smtp", "smtps"]) => Some(Secret(url)),
            Some(_) => {
                return Err(ConfigError::new(
                    "SMTP_URL",
                    "must start with smtp:// or smtps:// (the value is not shown: it may hold a password)",
                ));
            }
            None => None,
        };
        let job_workers = match get("MIZAN_JOB_WORKERS") {
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| *n <= 256)
                .ok_or_else(|| {
                    ConfigError::new(
                        "MIZAN_JOB_WORKERS",
                        format!("`{text}` is not a number of workers from 0 to 256"),
                    )
                })?,
            None => DEFAULT_JOB_WORKERS,
        };
        let job_poll = std::time::Duration::from_millis(positive(
            "MIZAN_JOB_POLL_MS",
            DEFAULT_JOB_POLL_MS,
            "milliseconds",
        )?);
        let job_backoff = std::time::Duration::from_millis(positive(
            "MIZAN_JOB_BACKOFF_MS",
            DEFAULT_JOB_BACKOFF_MS,
            "milliseconds",
        )?);
        let mail_from = get("MAIL_FROM").unwrap_or_else(|| "Mizan <no-reply@localhost>".to_owned());
        let oauth = oauth_providers(&get)?;

        Ok(Self {
            name,
            environment,
            data_dir,
            database_url: Secret(database_url),
            redis_url: redis_url.map(Secret),
            secret_key,
            bind_addr,
            site_url,
            metrics_token,
            cache_timeout,
            database_max_connections,
            database_wait,
            trusted_proxies,
            session_check,
            connections_per_user,
            smtp_url,
            mail_from,
            require_verified_email,
            deletion_grace,
            api_docs,
            oauth,
            job_workers,
            job_poll,
            job_backoff,
            edge_url,
        })
    }
}

/// The providers named in `OAUTH_PROVIDERS`, each with its settings.
fn oauth_providers(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Vec<OAuthProvider>, ConfigError> {
    let Some(names) = get("OAUTH_PROVIDERS") else {
        return Ok(Vec::new());
    };
    names
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| {
            let id = name.to_ascii_lowercase();
            if !id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            {
                return Err(ConfigError::new(
                    "OAUTH_PROVIDERS",
                    format!("`{name}` is not a provider name (letters and digits)"),
                ));
            }
            let prefix = format!("OAUTH_{}_", id.to_ascii_uppercase());
            let var = |suffix: &str| get(&format!("{prefix}{suffix}"));
            let need = |suffix: &str| {
                var(suffix).ok_or_else(|| {
                    ConfigError::new("OAUTH_PROVIDERS", format!("{prefix}{suffix} is not set"))
                })
            };
            let (kind, label, authorize, token, userinfo, scopes) = match id.as_str() {
                "github" => (
                    ProviderKind::GitHub,
                    "GitHub",
                    "https://github.com/login/oauth/authorize",
                    "https://github.com/login/oauth/access_token",
                    "https://api.github.com/user",
                    "read:user user:email",
                ),
                "google" => (
                    ProviderKind::OpenIdConnect,
                    "Google",
                    "https://accounts.google.com/o/oauth2/v2/auth",
                    "https://oauth2.googleapis.com/token",
                    "https://openidconnect.googleapis.com/v1/userinfo",
                    "openid email profile",
                ),
                _ => (
                    ProviderKind::OpenIdConnect,
                    name,
                    "",
                    "",
                    "",
                    "openid email profile",
                ),
            };
            let or_preset = |suffix: &str, preset: &str| match var(suffix) {
                Some(value) => Ok(value),
                None if !preset.is_empty() => Ok(preset.to_owned()),
                None => need(suffix),
            };
            Ok(OAuthProvider {
                label: var("LABEL").unwrap_or_else(|| label.to_owned()),
                kind,
                client_id: need("CLIENT_ID")?,
                client_secret: Secret(need("CLIENT_SECRET")?),
                authorize_url: or_preset("AUTHORIZE_URL", authorize)?,
                token_url: or_preset("TOKEN_URL", token)?,
                userinfo_url: or_preset("USERINFO_URL", userinfo)?,
                scopes: var("SCOPES")
                    .unwrap_or_else(|| scopes.to_owned())
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect(),
                id,
            })
        })
        .collect()
}

fn has_scheme(url: &str, schemes: &[&str]) -> bool {
    url.split_once("://")
        .is_some_and(|(scheme, rest)| schemes.contains(&scheme) && !rest.is_empty())
}

fn parse_database_url(url: &str) -> Result<String, ConfigError> {
    if has_scheme(url, &["sqlite", "postgres", "postgresql"]) || url == "sqlite::memory:" {
        Ok(url.to_owned())
    } else {
        Err(ConfigError::new(
            "DATABASE_URL",
            "must start with sqlite:// or postgres:// (the value is not shown: it may hold a password)",
        ))
    }
}

fn parse_redis_url(url: &str) -> Result<String, ConfigError> {
    if has_scheme(url, &["redis", "rediss"]) {
        Ok(url.to_owned())
    } else {
        Err(ConfigError::new(
            "REDIS_URL",
            "must start with redis:// or rediss:// (the value is not shown: it may hold a password)",
        ))
    }
}

fn parse_site_url(url: &str) -> Result<String, ConfigError> {
    let url = url.trim_end_matches('/');
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match host {
        Some(host) if !host.is_empty() && !host.contains('/') => Ok(url.to_owned()),
        _ => Err(ConfigError::new(
            "MIZAN_SITE_URL",
            format!("`{url}` is not a site address like https://example.com (no path)"),
        )),
    }
}

fn parse_secret_key(key: String) -> Result<Secret, ConfigError> {
    if key.len() < MIN_SECRET_KEY_LEN {
        return Err(ConfigError::new(
            "SECRET_KEY",
            format!(
                "too short ({} characters): use at least {MIN_SECRET_KEY_LEN}",
                key.len()
            ),
        ));
    }
    Ok(Secret(key))
}

/// Reads the development key from the data directory, or makes one and keeps it there so
/// that sessions survive a restart.
fn load_or_create_secret_key(data_dir: &Path) -> Result<Secret, ConfigError> {
    let path = data_dir.join(SECRET_KEY_FILE);
    let io_error = |e: std::io::Error| {
        ConfigError::new(
            "SECRET_KEY",
            format!("cannot use the development key `{}`: {e}", path.display()),
        )
    };
    match std::fs::read_to_string(&path) {
        Ok(key) => parse_secret_key(key.trim().to_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = hex::encode(rand::random::<[u8; 32]>());
            let mut file = owner_only_file(&path).map_err(io_error)?;
            file.write_all(key.as_bytes()).map_err(io_error)?;
            Ok(Secret(key))
        }
        Err(e) => Err(io_error(e)),
    }
}

/// Creates a new file that only its owner may read (on Unix).
fn owner_only_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// A project name names a file and a cookie: lowercase ASCII letters, digits, `_` and `-`,
/// starting with a letter.
fn check_project_name(name: &str) -> Result<(), ConfigError> {
    let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-';
    if name.as_bytes().first().is_some_and(u8::is_ascii_lowercase) && name.bytes().all(allowed) {
        Ok(())
    } else {
        Err(ConfigError::new(
            "project name",
            format!(
                "`{name}` cannot name the database file and the session cookie: use lowercase \
                 letters, digits, `_` and `-`, starting with a letter"
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)], data_dir: &Path) -> Result<Config, ConfigError> {
        let mut map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        map.entry("MIZAN_DATA_DIR".into())
            .or_insert_with(|| data_dir.display().to_string());
        Config::load("example", |var| map.get(var).cloned())
    }

    fn err_var(result: Result<Config, ConfigError>) -> &'static str {
        match result {
            Ok(config) => panic!("expected an error, got {config:?}"),
            Err(e) => e.var,
        }
    }

    #[test]
    fn defaults_give_a_working_development_setup() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = load(&[], dir.path()).expect("defaults load");
        assert_eq!(config.environment, Environment::Development);
        assert_eq!(config.bind_addr, "127.0.0.1:3000".parse().expect("addr"));
        assert_eq!(config.site_url, "http://127.0.0.1:3000");
        assert!(config.redis_url.is_none());
        let db = config.database_url.expose();
        assert!(
            db.starts_with("sqlite://") && db.ends_with("example.db?mode=rwc"),
            "{db}"
        );
        assert!(db.contains(&dir.path().display().to_string()));
    }

    #[test]
    fn the_project_name_must_be_fit_for_a_file_and_a_cookie() {
        let dir = tempfile::tempdir().expect("tempdir");
        let with_name = |name: &'static str| {
            Config::load(name, |var| {
                (var == "MIZAN_DATA_DIR").then(|| dir.path().display().to_string())
            })
        };
        let config = with_name("acme-shop_2").expect("a fit name");
        assert_eq!(config.session_cookie(), "acme-shop_2_session");
        assert_eq!(config.browser_cookie(), "acme-shop_2_browser");
        assert!(config.database_url.expose().contains("acme-shop_2.db"));
        let production = Config {
            environment: Environment::Production,
            ..config.clone()
        };
        assert_eq!(production.browser_cookie(), "__Host-acme-shop_2_browser");
        for name in ["", "My Shop", "../x", "a/b", "2shop", "shop;"] {
            assert_eq!(err_var(with_name(name)), "project name", "{name:?}");
        }
    }

    #[test]
    fn development_key_is_generated_once_and_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = load(&[], dir.path()).expect("first start");
        let second = load(&[], dir.path()).expect("second start");
        assert_eq!(first.secret_key, second.secret_key);
        assert_eq!(first.secret_key.expose().len(), 64);
        let other_dir = tempfile::tempdir().expect("tempdir");
        let other = load(&[], other_dir.path()).expect("other data dir");
        assert_ne!(first.secret_key, other.secret_key);
    }

    #[test]
    fn data_dir_is_created_on_first_start() {
        let dir = tempfile::tempdir().expect("tempdir");
        let nested = dir.path().join("a/b");
        load(&[], &nested).expect("load");
        assert!(nested.join(SECRET_KEY_FILE).is_file());
    }

    #[test]
    fn production_requires_a_long_secret_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let prod = ("MIZAN_ENV", "production");
        assert_eq!(err_var(load(&[prod], dir.path())), "SECRET_KEY");
        assert_eq!(
            err_var(load(&[prod, ("SECRET_KEY", "short")], dir.path())),
            "SECRET_KEY"
        );
        let key = "k".repeat(MIN_SECRET_KEY_LEN);
        let config = load(&[prod, ("SECRET_KEY", &key)], dir.path()).expect("valid");
        assert!(config.environment.is_production());
        assert_eq!(config.secret_key.expose(), key);
        assert!(!dir.path().join(SECRET_KEY_FILE).exists());
    }

    #[test]
    fn explicit_values_are_used() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = load(
            &[
                ("DATABASE_URL", "postgres://u:p@localhost/mizan"),
                ("REDIS_URL", "redis://127.0.0.1:6379"),
                ("LEPTOS_SITE_ADDR", "0.0.0.0:8080"),
                ("MIZAN_SITE_URL", "https://example.com/"),
            ],
            dir.path(),
        )
        .expect("valid");
        assert_eq!(
            config.database_url.expose(),
            "postgres://u:p@localhost/mizan"
        );
        assert_eq!(
            config.redis_url.as_ref().map(Secret::expose),
            Some("redis://127.0.0.1:6379")
        );
        assert_eq!(config.bind_addr.port(), 8080);
        assert_eq!(config.site_url, "https://example.com");
    }

    #[test]
    fn bad_values_name_their_variable() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cases = [
            ("MIZAN_ENV", "staging"),
            ("DATABASE_URL", "mysql://localhost/db"),
            ("DATABASE_URL", "not a url"),
            ("REDIS_URL", "http://localhost"),
            ("LEPTOS_SITE_ADDR", "localhost"),
            ("MIZAN_SITE_URL", "example.com"),
            ("MIZAN_SITE_URL", "https://example.com/app"),
            ("MIZAN_CACHE_TIMEOUT_MS", "0"),
            ("MIZAN_CACHE_TIMEOUT_MS", "fast"),
            ("DATABASE_MAX_CONNECTIONS", "-1"),
            ("MIZAN_DB_WAIT_SECS", "forever"),
            ("MIZAN_BEHIND_PROXY", "maybe"),
            ("MIZAN_TRUSTED_PROXIES", "10.0.0.0/8, the proxy"),
            ("MIZAN_SESSION_CHECK_MS", "0"),
            ("MIZAN_WS_CONNECTIONS_PER_USER", "none"),
            ("SMTP_URL", "mail.example.com"),
            ("MIZAN_REQUIRE_VERIFIED_EMAIL", "sometimes"),
            ("MIZAN_DELETION_GRACE_DAYS", "0"),
            ("MIZAN_DELETION_GRACE_DAYS", "91"),
            ("OAUTH_PROVIDERS", "github"),
            ("OAUTH_PROVIDERS", "my-idp"),
        ];
        for (var, value) in cases {
            assert_eq!(
                err_var(load(&[(var, value)], dir.path())),
                var,
                "{var}={value}"
            );
        }
    }

    #[test]
    fn oauth_providers_take_presets_or_their_own_urls() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = load(
            &[
                ("OAUTH_PROVIDERS", "github, corp"),
                ("OAUTH_GITHUB_CLIENT_ID", "gh-id"),
                ("OAUTH_GITHUB_CLIENT_SECRET", "gh-secret"),
                ("OAUTH_CORP_CLIENT_ID", "corp-id"),
                ("OAUTH_CORP_CLIENT_SECRET", "corp-secret"),
                (
                    "OAUTH_CORP_AUTHORIZE_URL",
                    "https://id.corp.example/authorize",
                ),
                ("OAUTH_CORP_TOKEN_URL", "https://id.corp.example/token"),
                (
                    "OAUTH_CORP_USERINFO_URL",
                    "https://id.corp.example/userinfo",
                ),
                ("OAUTH_CORP_LABEL", "Corp SSO"),
            ],
            dir.path(),
        )
        .expect("valid");
        let [github, corp] = config.oauth.as_slice() else {
            panic!("two providers: {:?}", config.oauth);
        };
        assert_eq!(
            (github.id.as_str(), github.kind),
            ("github", ProviderKind::GitHub)
        );
        assert_eq!(
            github.token_url,
            "https://github.com/login/oauth/access_token"
        );
        assert_eq!(corp.label, "Corp SSO");
        assert_eq!(corp.kind, ProviderKind::OpenIdConnect);
        assert_eq!(corp.scopes, ["openid", "email", "profile"]);
        assert!(!format!("{corp:?}").contains("corp-secret"));
    }

    #[test]
    fn empty_values_count_as_unset() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = load(&[("MIZAN_ENV", ""), ("REDIS_URL", " ")], dir.path()).expect("valid");
        assert_eq!(config.environment, Environment::Development);
        assert!(config.redis_url.is_none());
    }

    #[test]
    fn secrets_never_print() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = load(
            &[("DATABASE_URL", "postgres://user:hunter2@db/app")],
            dir.path(),
        )
        .expect("valid");
        let printed = format!("{config:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(!printed.contains(config.secret_key.expose()), "{printed}");
    }
}
