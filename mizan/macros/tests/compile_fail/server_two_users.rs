#[mizan_macros::server(auth = authenticated)]
pub async fn both(#[user] first: String, #[user] second: String) -> Result<(), ()> {
    Ok(())
}

fn main() {}
