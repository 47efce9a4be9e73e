#[mizan_macros::server(auth = public, cache = "60s", cache_scope = "everyone")]
pub async fn site_figures() -> Result<(), ()> {
    Ok(())
}

fn main() {}
