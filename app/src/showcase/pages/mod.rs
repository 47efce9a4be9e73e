//! The showcase's pages, each a lazy route like the app's own (`crate::pages`).

use leptos::prelude::*;

mod chat;
mod contact;
mod greet;

use chat::ChatPage;
use contact::ContactPage;
use greet::GreetPage;

crate::pages::lazy_pages! {
    /// `/contact`.
    ContactRoute => ContactPage,
    /// `/greet`.
    GreetRoute => GreetPage,
    /// `/chat/:room`.
    ChatRoute => ChatPage,
}
