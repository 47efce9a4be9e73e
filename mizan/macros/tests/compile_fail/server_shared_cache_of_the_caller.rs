#[mizan_macros::server(auth = authenticated, cache = "60s", cache_scope = "shared")]
pub async fn my_figures(#[user] user: String) -> Result<String, ()> {
    Ok(user)
}

fn main() {}
