//! The showcase's rows of an account (`app::showcase::AccountRows`): its owner's export
//! lists them, and they go with the account, while other accounts' stay.

use crate::helpers::{
    SignUp, TestApp, ask_deletion, deletion_grace_over, exported_data, spawn_app,
};

/// A contact message and a chat message of ada's and of bob's.
async fn some_messages(app: &TestApp) {
    for who in ["ada", "bob"] {
        let id = app.user_id(&format!("{who}@example.com")).await;
        app.sql(&format!(
            "INSERT INTO contact_messages (id, name, email, subject, message, user_id, created_at) \
             VALUES ('c-{who}', '{who}', '{who}@example.com', 'Hello from {who}', 'A message', '{id}', 1)"
        ))
        .await;
        app.sql(&format!(
            "INSERT INTO chat_messages (id, room, user_id, user_name, text, created_at) \
             VALUES ('m-{who}', 'lobby', '{id}', '{who}', 'hi, {who} here', 1)"
        ))
        .await;
    }
}

#[tokio::test]
async fn the_export_lists_the_showcases_rows_of_the_account_only() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    app.signed_up("bob@example.com").await;
    some_messages(&app).await;
    let data = exported_data(&app, &ada).await;
    let rows = &data["app"];
    assert_eq!(
        rows["contact_messages"][0]["subject"], "Hello from ada",
        "{data}"
    );
    assert_eq!(rows["chat_messages"][0]["text"], "hi, ada here", "{data}");
    for table in ["contact_messages", "chat_messages"] {
        assert_eq!(rows[table].as_array().map(Vec::len), Some(1), "{table}");
    }
}

#[tokio::test]
async fn the_showcases_rows_go_with_the_account() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    app.signed_up("bob@example.com").await;
    some_messages(&app).await;
    ask_deletion(&app, &ada).await;
    deletion_grace_over(&app).await;
    assert_eq!(app.user_count().await, 1);
    // Their foreign keys say SET NULL: without `AccountRows` ada's would stay, nameless.
    for table in ["contact_messages", "chat_messages"] {
        assert_eq!(app.rows(table).await, 1, "{table}");
        let bobs = format!("{table} WHERE id LIKE '%-bob'");
        assert_eq!(app.rows(&bobs).await, 1, "{table}");
    }
}
