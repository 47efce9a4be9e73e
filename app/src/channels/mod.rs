//! The app's WebSocket channels, each declared once for both sides (`mizan::channels`).

pub mod chat;

/// Every channel of the app, for the server's router (`/ws/<name>`).
#[cfg(feature = "ssr")]
pub fn routes() -> mizan::channels::ChannelRoutes {
    mizan::channels::ChannelRoutes::new().channel::<chat::ChatChannel>()
}
