#[derive(mizan_macros::Form)]
#[form(auth = public)]
pub struct ContactForm {
    pub email: String,
}

fn main() {}
