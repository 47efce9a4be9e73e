//! The signed-in user's profile: a form only they may submit.

use mizan::auth::CurrentUser;

/// Changes the display name of the signed-in user.
#[derive(Debug, Clone, mizan::Form)]
#[form(name = "profile", auth = authenticated, output = CurrentUser)]
pub struct ProfileForm {
    /// The new display name.
    #[field(label = "Display name", length(max = 100))]
    pub name: String,
}

#[cfg(feature = "ssr")]
mod handler {
    use mizan::AppError;
    use mizan::auth::{CurrentUser, users};
    use mizan::forms::{FormHandler, Submission};

    use super::ProfileForm;

    impl FormHandler for ProfileForm {
        async fn on_submit(
            self,
            submission: Submission<CurrentUser>,
        ) -> Result<CurrentUser, AppError> {
            let user = submission.user;
            users::set_name(&mizan::runtime::state()?.db, &user.id, &self.name).await?;
            mizan::auth::forget_current_user().await;
            Ok(CurrentUser {
                name: self.name,
                ..user
            })
        }
    }
}
