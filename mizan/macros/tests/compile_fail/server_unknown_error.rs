#[mizan_macros::server(auth = public, errors(teapot))]
pub async fn brew() -> Result<(), ()> {
    Ok(())
}

fn main() {}
