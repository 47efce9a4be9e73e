#[derive(mizan_macros::Form)]
#[form(auth = public, output = (), method = "GET")]
pub struct ContactForm {
    pub email: String,
}

fn main() {}
