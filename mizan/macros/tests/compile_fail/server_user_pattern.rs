#[mizan_macros::server(auth = authenticated)]
pub async fn whole(#[user] (id, name): (String, String)) -> Result<(), ()> {
    Ok(())
}

fn main() {}
