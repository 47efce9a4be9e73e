//! Who is calling, and what they may do: the current user and the auth levels that
//! server functions declare.
//!
//! [`Level::check`] is plain code that runs on both sides: the server enforces it, and
//! the browser may use it to decide which links to show.

use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[cfg(feature = "ssr")]
pub mod account_data;
#[cfg(feature = "ssr")]
pub mod accounts;
#[cfg(feature = "ssr")]
pub mod deletion;
#[cfg(feature = "ssr")]
pub mod device;
#[cfg(feature = "ssr")]
pub mod export;
#[cfg(feature = "ssr")]
pub mod guard;
#[cfg(feature = "ssr")]
pub mod known_browsers;
pub mod new_password;
#[cfg(feature = "ssr")]
pub mod notices;
#[cfg(feature = "ssr")]
pub mod oauth;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod password;
pub mod role;
#[cfg(feature = "ssr")]
pub mod second_factor;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod signed_in_cache;
#[cfg(feature = "ssr")]
pub mod tokens;
#[cfg(feature = "ssr")]
pub mod totp;
#[cfg(feature = "ssr")]
pub mod two_factor;
#[cfg(feature = "ssr")]
pub mod user_sessions;
#[cfg(feature = "ssr")]
pub mod users;

pub use new_password::NewPassword;
pub use pages::AccountPages;
pub use role::Role;

#[cfg(feature = "ssr")]
pub use guard::{
    RequestUser, authorize_with, current_user, forget_current_user, require, user_of_session,
};

/// The signed-in user as the app sees it (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CurrentUser {
    /// Stable id (UUIDv7 text).
    pub id: String,
    /// Email address, as the user typed it at sign-up.
    pub email: String,
    /// Display name.
    pub name: String,
    /// May use staff pages and functions.
    pub is_staff: bool,
    /// May do everything, including granting staff rights.
    pub is_superuser: bool,
    /// Whether the owner proved the email is theirs (a link we mailed, or a provider).
    pub email_verified: bool,
}

impl CurrentUser {
    /// What the account may do, its two flags read together.
    pub fn role(&self) -> Role {
        Role::of(self.is_staff, self.is_superuser)
    }
}

/// An account as staff see it in a list: the user and whether the account is active.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Account {
    /// The user.
    #[serde(flatten)]
    pub user: CurrentUser,
    /// Deactivated accounts cannot sign in, and their sessions no longer count.
    pub is_active: bool,
}

/// `next` when it is a path on this site (to go to after signing in), `fallback`
/// otherwise. Refuses other sites (`https://…`, `//host`), backslashes, and any control
/// character or whitespace (browsers drop tabs from URLs, turning `/\t/host` into
/// `//host`).
pub fn local_path(next: Option<&str>, fallback: &str) -> String {
    next.filter(|n| {
        n.starts_with('/')
            && !n.starts_with("//")
            && !n.contains('\\')
            && !n.chars().any(|c| c.is_control() || c.is_whitespace())
    })
    .map_or_else(|| fallback.to_owned(), str::to_owned)
}

/// A provider people may sign in with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ProviderInfo {
    /// Its name in URLs (`github`).
    pub id: String,
    /// Its name for people (`GitHub`).
    pub label: String,
}

/// A provider, and whether it is linked to the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ProviderLink {
    /// Its name in URLs (`github`).
    pub id: String,
    /// Its name for people (`GitHub`).
    pub label: String,
    /// Whether the account can sign in with it.
    pub connected: bool,
}

/// How an account may sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LoginMethods {
    /// Whether it has a password.
    pub has_password: bool,
    /// Every configured provider, linked or not.
    pub providers: Vec<ProviderLink>,
}

/// One signed-in session of an account, as its owner sees it on their sessions list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SessionInfo {
    /// Its handle: what ending it takes (not the session's cookie, which never leaves
    /// its browser).
    pub id: String,
    /// The browser and system it signed in with ("Firefox on Linux").
    pub device: String,
    /// The client address it signed in from, when known.
    pub address: Option<String>,
    /// When it signed in, Unix seconds.
    pub created_at: i64,
    /// When it was last used, Unix seconds (to within a few minutes).
    pub last_seen_at: i64,
    /// How long ago that was when the list was read, in seconds: what a page shows
    /// ("5 minutes ago") the same on the server and in the browser.
    pub idle_seconds: i64,
    /// Whether it is the session asking.
    pub current: bool,
}

/// How a sign-in with a password or a provider went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum SignIn {
    /// Signed in.
    SignedIn {
        /// Who is signed in now.
        user: CurrentUser,
    },
    /// The password was right, and the account asks for a second factor: the sign-in
    /// goes on at the app's second-factor page ([`AccountPages::second_factor`]).
    SecondFactor,
}

/// An account's two-factor sign-in, as its owner sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TwoFactorStatus {
    /// Whether signing in asks for a code from an authenticator app.
    pub enabled: bool,
    /// How many unused recovery codes the account has.
    pub recovery_codes_left: u32,
}

/// What an authenticator app needs to start giving an account's codes: shown once, while
/// two-factor sign-in is being turned on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TwoFactorSetup {
    /// The secret, for apps that cannot scan: base32 in groups of four.
    pub secret: String,
    /// The `otpauth://` link the QR code holds.
    pub link: String,
    /// The QR code, an SVG image made on the server.
    pub qr_svg: String,
}

/// When an account whose owner asked to delete it goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ScheduledDeletion {
    /// Unix seconds.
    pub deletes_at: i64,
    /// The day, in words (`17 December 2026`, UTC).
    pub date: String,
}

/// Everything an account holds, as its owner downloads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AccountExport {
    /// When this was read, Unix seconds.
    pub exported_at: i64,
    /// The account itself.
    pub account: ExportedAccount,
    /// The providers it signs in with.
    pub providers: Vec<ExportedProvider>,
    /// Its two-factor sign-in (never its secret or codes).
    pub two_factor: TwoFactorStatus,
    /// Its signed-in sessions.
    pub sessions: Vec<SessionInfo>,
    /// The app's own rows of it (`null` when the app keeps none).
    pub app: serde_json::Value,
}

/// An account's own fields, as its export shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ExportedAccount {
    /// Stable id.
    pub id: String,
    /// Email address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// What the account may do.
    pub role: Role,
    /// Whether it is active.
    pub is_active: bool,
    /// Whether it has a password.
    pub has_password: bool,
    /// When its address was proven, Unix seconds.
    pub email_verified_at: Option<i64>,
    /// When it was made, Unix seconds.
    pub created_at: i64,
    /// When it last signed in, Unix seconds.
    pub last_login_at: Option<i64>,
    /// When it goes, if its owner asked to delete it, Unix seconds.
    pub deletes_at: Option<i64>,
}

/// A provider linked to an account, as its export shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ExportedProvider {
    /// The provider's name in URLs (`github`).
    pub provider: String,
    /// The address the provider gave, if any.
    pub email: Option<String>,
    /// When it was linked, Unix seconds.
    pub linked_at: i64,
}

/// Who may call a server function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in, active user.
    Authenticated,
    /// Staff (superusers count as staff).
    Staff,
    /// Superusers only.
    Superuser,
}

impl Level {
    /// Every level, from the most open.
    pub const ALL: [Self; 4] = [
        Self::Public,
        Self::Authenticated,
        Self::Staff,
        Self::Superuser,
    ];

    /// Its name in `#[mizan::server(auth = …)]`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Authenticated => "authenticated",
            Self::Staff => "staff",
            Self::Superuser => "superuser",
        }
    }

    /// Whether `user` (`None`: anonymous) may pass: `Unauthenticated` when a sign-in is
    /// needed, `Forbidden` when the signed-in user lacks the rights.
    ///
    /// # Errors
    /// [`AppError::Unauthenticated`] or [`AppError::Forbidden`].
    pub fn check(self, user: Option<&CurrentUser>) -> Result<(), AppError> {
        let allowed = match (self, user) {
            (Self::Public, _) => true,
            (_, None) => return Err(AppError::Unauthenticated),
            (Self::Authenticated, Some(_)) => true,
            (Self::Staff, Some(u)) => u.role() >= Role::Staff,
            (Self::Superuser, Some(u)) => u.role() == Role::Superuser,
        };
        if allowed {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

impl std::str::FromStr for Level {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|level| level.name() == name)
            .ok_or(format!(
                "`{name}` is not a level: public, authenticated, staff or superuser"
            ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(is_staff: bool, is_superuser: bool) -> CurrentUser {
        CurrentUser {
            id: "u1".into(),
            email: "a@example.com".into(),
            name: "A".into(),
            is_staff,
            is_superuser,
            email_verified: true,
        }
    }

    #[test]
    fn a_level_is_read_by_its_name() {
        for level in Level::ALL {
            assert_eq!(level.name().parse(), Ok(level));
        }
        assert!("admin".parse::<Level>().is_err());
    }

    #[test]
    fn only_paths_on_this_site_are_followed() {
        assert_eq!(
            local_path(Some("/rooms/lobby?x=1"), "/home"),
            "/rooms/lobby?x=1"
        );
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/x",
            "/a b",
            "account",
        ] {
            assert_eq!(local_path(Some(bad), "/home"), "/home", "{bad:?}");
        }
        assert_eq!(local_path(None, "/home"), "/home");
    }

    #[test]
    fn levels_allow_exactly_who_they_name() {
        let plain = user(false, false);
        let staff = user(true, false);
        let superuser = user(false, true);
        let cases = [
            (Level::Public, None, Ok(())),
            (Level::Public, Some(&plain), Ok(())),
            (Level::Authenticated, None, Err(AppError::Unauthenticated)),
            (Level::Authenticated, Some(&plain), Ok(())),
            (Level::Staff, None, Err(AppError::Unauthenticated)),
            (Level::Staff, Some(&plain), Err(AppError::Forbidden)),
            (Level::Staff, Some(&staff), Ok(())),
            (Level::Staff, Some(&superuser), Ok(())),
            (Level::Superuser, None, Err(AppError::Unauthenticated)),
            (Level::Superuser, Some(&staff), Err(AppError::Forbidden)),
            (Level::Superuser, Some(&superuser), Ok(())),
        ];
        for (level, who, expected) in cases {
            assert_eq!(level.check(who), expected, "{level:?} with {who:?}");
        }
    }
}
