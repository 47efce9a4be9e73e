//! `new channel NAME`: a WebSocket channel at `/ws/NAME` in `app/src/channels/`, for
//! signed-in users, with its browser hook and a test over a real socket.

use std::path::Path;

use super::edit;
use super::error::NewError;
use super::name::Name;

const CHANNELS: &str = "app/src/channels/mod.rs";

/// Plans the channel's module, its `pub mod` line and its test, then writes them.
pub fn generate(root: &Path, name: &Name) -> Result<Vec<String>, NewError> {
    let snake = name.snake();
    edit::outside_of(name, &["channels", "handler"])?;
    edit::home(root, CHANNELS, "pub mod channels;")?;
    let declaration = format!("const NAME: &'static str = \"{}\";", name.kebab());
    if let Some(file) = edit::declared_in(&root.join("app/src"), &declaration) {
        return Err(NewError::Taken(format!(
            "{} has a channel at /ws/{} already",
            file.display(),
            name.kebab()
        )));
    }
    let test = format!("the_{snake}_channel_relays_what_users_send");
    let mut planned = vec![
        edit::create(
            root,
            format!("app/src/channels/{snake}.rs"),
            channel_module(name),
        )?,
        edit::with_module(root, CHANNELS, snake)?,
    ];
    planned.extend(edit::with_test_in(
        root,
        "channels",
        "//! The app's channels (`app::channels`) over real WebSockets.\n",
        &test,
        &channel_test(&test, name),
    )?);
    edit::write_all(root, planned)
}

fn channel_module(name: &Name) -> String {
    let (snake, kebab, camel) = (name.snake(), name.kebab(), name.camel());
    format!(
        r#"//! The `{kebab}` channel at `/ws/{kebab}`: signed-in users in one group, where each
//! message a user sends reaches everyone connected. In a page: `use_{snake}_channel()`.

use leptos::prelude::*;
use mizan::channels::{{Channel, ChannelHandle, use_channel}};
use schemars::JsonSchema;
use serde::{{Deserialize, Serialize}};

/// The `{kebab}` channel.
pub struct {camel}Channel;

/// What a client connects with, as query parameters: none yet (add a room, say).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct {camel}Params {{}}

/// What a client sends: `{{"text": "…"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct {camel}Send {{
    /// The message.
    pub text: String,
}}

/// What everyone connected receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct {camel}Message {{
    /// The sender's display name.
    pub from: String,
    /// The message.
    pub text: String,
}}

impl Channel for {camel}Channel {{
    const NAME: &'static str = "{kebab}";
    type Params = {camel}Params;
    type Incoming = {camel}Send;
    type Outgoing = {camel}Message;
}}

/// The channel in the browser: the messages received, `send`, the connection's state.
pub fn use_{snake}_channel() -> ChannelHandle<{camel}Channel> {{
    use_channel::<{camel}Channel>(Signal::stored({camel}Params {{}}))
}}

#[cfg(feature = "ssr")]
mod handler {{
    use mizan::AppError;
    use mizan::auth::CurrentUser;
    use mizan::channels::{{ChannelHandler, Joined}};

    use super::{{{camel}Channel, {camel}Message, {camel}Params, {camel}Send}};

    mizan::channel!({camel}Channel);

    impl ChannelHandler for {camel}Channel {{
        fn authorize(user: Option<&CurrentUser>, _: &{camel}Params) -> Result<(), AppError> {{
            user.map(|_| ()).ok_or(AppError::Unauthenticated)
        }}

        fn group(_: &{camel}Params) -> String {{
            "{kebab}".to_owned()
        }}

        async fn on_message(
            joined: &Joined<Self>,
            message: {camel}Send,
        ) -> Result<Option<{camel}Message>, AppError> {{
            let user = joined.user.as_ref().ok_or(AppError::Unauthenticated)?;
            Ok(Some({camel}Message {{
                from: user.name.clone(),
                text: message.text,
            }}))
        }}
    }}
}}
"#
    )
}

fn channel_test(test: &str, name: &Name) -> String {
    let kebab = name.kebab();
    format!(
        r#"
/// `/ws/{kebab}` refuses a visitor (401) and relays a signed-in user's message, with their
/// name, to everyone connected.
#[tokio::test]
async fn {test}() {{
    use crate::helpers::SignUp;
    use mizan::testing::socket;

    let app = crate::helpers::spawn_app().await;
    let refused = socket::open(app.addr, "/ws/{kebab}", None, None).await;
    assert_eq!(refused.err().map(|(status, _)| status), Some(401));

    let (_, cookie) = app.signed_up_as("ada@example.com", "Ada").await;
    let mut ada = socket::open(app.addr, "/ws/{kebab}", Some(&cookie), None)
        .await
        .expect("Ada joins");
    let (_, cookie) = app.signed_up_as("bob@example.com", "Bob").await;
    let mut bob = socket::open(app.addr, "/ws/{kebab}", Some(&cookie), None)
        .await
        .expect("Bob joins");
    socket::send_json(&mut ada, &serde_json::json!({{ "text": "hello" }})).await;
    let expected = serde_json::json!({{ "from": "Ada", "text": "hello" }});
    assert_eq!(socket::next_json(&mut bob).await, expected);
    assert_eq!(socket::next_json(&mut ada).await, expected);
}}
"#
    )
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    #[test]
    fn a_channel_is_written_registered_and_tested() {
        let dir = edit::project_with(&[
            (CHANNELS, "//! Channels.\n// One module per channel.\n"),
            (
                "server/tests/accounts/main.rs",
                "//! Tests.\n\nmod helpers;\n\nmod pages;\n",
            ),
        ]);
        let read = |path: &str| fs::read_to_string(dir.path().join(path)).expect("readable");
        let name: Name = "live_feed".parse().expect("a name");
        generate(dir.path(), &name).expect("generated");
        let module = read("app/src/channels/live_feed.rs");
        assert!(
            module.contains("const NAME: &'static str = \"live-feed\";"),
            "{module}"
        );
        assert!(module.contains("mizan::channel!(LiveFeedChannel);"));
        assert!(module.contains("pub fn use_live_feed_channel()"));
        assert!(read(CHANNELS).ends_with("pub mod live_feed;\n"));
        let tests = read("server/tests/accounts/channels.rs");
        assert!(tests.contains("\"/ws/live-feed\""), "{tests}");
        assert!(read("server/tests/accounts/main.rs").contains("mod channels;\nmod pages;"));
        let refused = edit::refusal(generate(dir.path(), &name));
        assert!(
            refused.contains("a channel at /ws/live-feed already"),
            "{refused}"
        );
    }
}
