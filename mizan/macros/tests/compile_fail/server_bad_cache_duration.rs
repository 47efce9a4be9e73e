#[mizan_macros::server(auth = public, cache = "soon")]
pub async fn site_figures() -> Result<(), ()> {
    Ok(())
}

fn main() {}
