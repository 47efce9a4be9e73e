//! Where the app's account pages live. The framework's mails link to them and sign-ins
//! return to them, but the framework names none of them: the app says where they are,
//! once ([`crate::runtime::AppBuilder::account_pages`]), and start-up fails naming any
//! path its routes lack.

/// The paths of the app's account pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountPages {
    /// Where people sign in: a failed provider sign-in links back to it.
    pub login: &'static str,
    /// The second step of a sign-in, for accounts with two-factor sign-in: a provider
    /// sign-in goes there (`?next=…`) when the account asks for a code.
    pub second_factor: &'static str,
    /// The signed-in account's page: where a provider sign-in goes unless told otherwise.
    pub account: &'static str,
    /// Opens an email-verification link (`?token=…`).
    pub verify_email: &'static str,
    /// Opens a password-reset link (`?token=…`).
    pub reset_password: &'static str,
    /// Opens an email-change link (`?token=…`).
    pub confirm_email: &'static str,
    /// Opens the link that keeps an account its owner asked to delete (`?token=…`).
    pub keep_account: &'static str,
}

impl AccountPages {
    /// Each page's path, with the field that names it.
    pub fn named(&self) -> [(&'static str, &'static str); 7] {
        [
            ("login", self.login),
            ("second_factor", self.second_factor),
            ("account", self.account),
            ("verify_email", self.verify_email),
            ("reset_password", self.reset_password),
            ("confirm_email", self.confirm_email),
            ("keep_account", self.keep_account),
        ]
    }

    /// The pages whose paths are not among `routes`, as `field (path)`.
    pub fn missing_from<'a>(
        &self,
        routes: impl IntoIterator<Item = &'a str> + Clone,
    ) -> Vec<String> {
        self.named()
            .into_iter()
            .filter(|(_, path)| !routes.clone().into_iter().any(|route| route == *path))
            .map(|(field, path)| format!("{field} ({path})"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGES: AccountPages = AccountPages {
        login: "/sign-in",
        second_factor: "/sign-in/code",
        account: "/me",
        verify_email: "/verify",
        reset_password: "/reset",
        confirm_email: "/confirm",
        keep_account: "/keep",
    };

    #[test]
    fn the_pages_a_route_table_lacks_are_named() {
        let routes = ["/", "/sign-in", "/sign-in/code", "/me", "/verify"];
        assert_eq!(
            PAGES.missing_from(routes.iter().copied()),
            [
                "reset_password (/reset)",
                "confirm_email (/confirm)",
                "keep_account (/keep)"
            ]
        );
        let all = [
            "/sign-in",
            "/sign-in/code",
            "/me",
            "/verify",
            "/reset",
            "/confirm",
            "/keep",
        ];
        assert!(PAGES.missing_from(all.iter().copied()).is_empty());
    }
}
