#[mizan_macros::server(auth = admin)]
pub async fn list_users() -> Result<(), ()> {
    Ok(())
}

fn main() {}
