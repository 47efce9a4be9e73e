//! Builds the server again when a migration is added: `sqlx::migrate!` embeds
//! `migrations/` when it compiles, and cargo does not watch that folder by itself.

fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
