#[derive(mizan_macros::Form)]
#[form(name = "Contact Us", auth = public, output = ())]
pub struct ContactForm {
    pub email: String,
}

fn main() {}
