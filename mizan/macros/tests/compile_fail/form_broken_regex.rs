#[derive(mizan_macros::Form)]
#[form(auth = public, output = ())]
pub struct ContactForm {
    #[field(regex(pattern = "[a-z"))]
    pub slug: String,
}

fn main() {}
