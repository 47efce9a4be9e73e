#[mizan_macros::server(auth = public, context = nearby)]
pub async fn greet(name: String) -> Result<String, ()> {
    Ok(name)
}

fn main() {}
