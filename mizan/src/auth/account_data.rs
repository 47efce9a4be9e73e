//! The app's own rows of an account, which the framework cannot know: the app says what
//! its owner's export shows of them and how they go with the account
//! ([`crate::runtime::AppBuilder::account_data`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use sqlx::{AnyConnection, AnyPool};

use crate::error::AppError;

/// What the app keeps of an account, beside the framework's tables.
pub trait AccountData: Send + Sync + 'static {
    /// What the export shows (as JSON).
    type Export: serde::Serialize + Send;

    /// The app's rows of account `user_id`, as its owner's export shows them.
    fn export(
        &self,
        db: &AnyPool,
        user_id: &str,
    ) -> impl Future<Output = Result<Self::Export, AppError>> + Send;

    /// Removes or anonymises the app's rows of account `user_id`, in the transaction that
    /// removes the account (if either fails, nothing goes). Rows whose foreign key to
    /// `users` says `ON DELETE CASCADE` go without a word here.
    fn delete(
        &self,
        tx: &mut AnyConnection,
        user_id: &str,
    ) -> impl Future<Output = Result<(), AppError>> + Send;
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// [`AccountData`] behind a pointer.
trait Erased: Send + Sync {
    fn export<'a>(
        &'a self,
        db: &'a AnyPool,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<serde_json::Value, AppError>>;

    fn delete<'a>(
        &'a self,
        tx: &'a mut AnyConnection,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<(), AppError>>;
}

impl<T: AccountData> Erased for T {
    fn export<'a>(
        &'a self,
        db: &'a AnyPool,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<serde_json::Value, AppError>> {
        Box::pin(async move {
            let rows = AccountData::export(self, db, user_id).await?;
            Ok(serde_json::to_value(rows)?)
        })
    }

    fn delete<'a>(
        &'a self,
        tx: &'a mut AnyConnection,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        Box::pin(AccountData::delete(self, tx, user_id))
    }
}

/// The app's [`AccountData`], if it gave one.
#[derive(Clone, Default)]
pub struct AppAccountData(Option<Arc<dyn Erased>>);

impl std::fmt::Debug for AppAccountData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "AppAccountData(the app's)"
        } else {
            "AppAccountData(none)"
        })
    }
}

impl AppAccountData {
    /// The app's `data`.
    pub fn new(data: impl AccountData) -> Self {
        Self(Some(Arc::new(data)))
    }

    /// The app's rows of `user_id` (`null` when the app keeps none).
    ///
    /// # Errors
    /// What the app's export answers.
    pub async fn export(&self, db: &AnyPool, user_id: &str) -> Result<serde_json::Value, AppError> {
        match &self.0 {
            Some(data) => data.export(db, user_id).await,
            None => Ok(serde_json::Value::Null),
        }
    }

    /// Removes the app's rows of `user_id` inside `tx`.
    ///
    /// # Errors
    /// What the app's delete answers.
    pub async fn delete(&self, tx: &mut AnyConnection, user_id: &str) -> Result<(), AppError> {
        match &self.0 {
            Some(data) => data.delete(tx, user_id).await,
            None => Ok(()),
        }
    }
}
