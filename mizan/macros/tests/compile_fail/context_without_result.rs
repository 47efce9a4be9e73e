#[mizan_macros::server(auth = public, context = global)]
pub async fn greeting() -> String {
    String::new()
}

fn main() {}
