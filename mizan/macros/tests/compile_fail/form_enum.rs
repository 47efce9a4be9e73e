#[derive(mizan_macros::Form)]
#[form(auth = public, output = ())]
pub enum ContactForm {
    Short,
}

fn main() {}
