//! The app's WebSocket channels, one module each: the types both sides share, the
//! browser's hook, and (on the server) who may join and what a message becomes.
//! `cargo run -p server -- new channel NAME` adds one, with its test.
// One module per channel.
