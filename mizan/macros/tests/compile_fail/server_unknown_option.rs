#[mizan_macros::server(auth = public, method = "GET")]
pub async fn list_users() -> Result<(), ()> {
    Ok(())
}

fn main() {}
