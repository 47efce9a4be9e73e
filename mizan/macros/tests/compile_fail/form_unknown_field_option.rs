#[derive(mizan_macros::Form)]
#[form(auth = public, output = ())]
pub struct ContactForm {
    #[field(placeholder = "you@example.com")]
    pub email: String,
}

fn main() {}
