//! What an account may do, as one value: the `is_staff` and `is_superuser` flags read
//! together.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An account's rights, from the fewest: user, staff, superuser (a superuser counts as
/// staff, so compare: `role >= Role::Staff`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A signed-in account with no extra rights.
    User,
    /// May use staff pages and functions.
    Staff,
    /// May do everything, including granting staff rights.
    Superuser,
}

impl Role {
    /// The role of an account with these flags: a superuser counts as staff whether or
    /// not its staff flag is set.
    pub fn of(is_staff: bool, is_superuser: bool) -> Self {
        match (is_staff, is_superuser) {
            (_, true) => Self::Superuser,
            (true, false) => Self::Staff,
            (false, false) => Self::User,
        }
    }

    /// Its name, as it is serialised (`user`, `staff`, `superuser`).
    pub fn name(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Staff => "staff",
            Self::Superuser => "superuser",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::Role;

    #[test]
    fn a_superuser_counts_as_staff_with_or_without_the_staff_flag() {
        assert_eq!(Role::of(false, false), Role::User);
        assert_eq!(Role::of(true, false), Role::Staff);
        assert_eq!(Role::of(false, true), Role::Superuser);
        assert_eq!(Role::of(true, true), Role::Superuser);
        assert!(Role::Superuser >= Role::Staff && Role::Staff > Role::User);
    }

    #[test]
    fn it_is_serialised_by_its_name() {
        for role in [Role::User, Role::Staff, Role::Superuser] {
            let json = serde_json::to_string(&role).expect("a role serialises");
            assert_eq!(json, format!("\"{role}\""));
            assert_eq!(serde_json::from_str::<Role>(&json).ok(), Some(role));
        }
    }
}
