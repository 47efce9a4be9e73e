#[derive(mizan_macros::Form)]
#[form(auth = public, output = ())]
pub struct ContactForm {
    #[field(regex(pattern = "[a-z]+", flags = "i"))]
    pub slug: String,
}

fn main() {}
