#[derive(mizan_macros::Form)]
#[form(auth = public, output = ())]
pub struct ContactForm {
    #[field(length(at_least = 3))]
    pub subject: String,
}

fn main() {}
