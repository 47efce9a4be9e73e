#[mizan_macros::server(auth = public, context = local)]
pub async fn greet(&self) -> Result<String, ()> {
    Ok(String::new())
}

fn main() {}
