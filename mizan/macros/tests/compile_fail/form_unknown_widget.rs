#[derive(mizan_macros::Form)]
#[form(auth = public, output = ())]
pub struct ContactForm {
    #[field(widget = "slider")]
    pub urgency: u8,
}

fn main() {}
