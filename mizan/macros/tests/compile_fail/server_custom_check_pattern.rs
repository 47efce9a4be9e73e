#[mizan_macros::server(auth = custom(can_read))]
pub async fn read((id, page): (String, u32)) -> Result<(), ()> {
    Ok(())
}

fn main() {}
