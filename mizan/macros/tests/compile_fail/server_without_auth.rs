#[mizan_macros::server]
pub async fn list_users() -> Result<(), ()> {
    Ok(())
}

fn main() {}
