//! A local context: `<GreetProvider name=…>` fetches `greet(name)` and its children read
//! it with `use_greet()`.

use mizan::AppError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What [`greet`] answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Greeting {
    /// The greeting to show.
    pub message: String,
}

/// Public: a greeting for `name` (a stranger when it is empty); a local context, cached
/// for a minute per name.
#[mizan::server(auth = public, context = local, cache = "60s", errors(validation))]
pub async fn greet(name: String) -> Result<Greeting, AppError> {
    /// The longest name accepted, in characters.
    const MAX_NAME: usize = 100;
    let name = name.trim();
    if name.chars().count() > MAX_NAME {
        return Err(AppError::field(
            "name",
            format!("use at most {MAX_NAME} characters"),
        ));
    }
    let who = if name.is_empty() { "stranger" } else { name };
    Ok(Greeting {
        message: format!("Hello, {who}!"),
    })
}
