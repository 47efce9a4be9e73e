#[derive(mizan_macros::Form)]
#[form(output = ())]
pub struct ContactForm {
    pub email: String,
}

fn main() {}
