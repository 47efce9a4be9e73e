#[mizan_macros::server(auth = custom(can_read))]
pub async fn read(&self) -> Result<(), ()> {
    Ok(())
}

fn main() {}
