#[derive(mizan_macros::Form)]
#[form(auth = public, output = ())]
pub struct ContactForm {
    #[field(regex(message = "lowercase letters"))]
    pub slug: String,
}

fn main() {}
