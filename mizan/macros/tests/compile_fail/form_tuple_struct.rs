#[derive(mizan_macros::Form)]
#[form(auth = public, output = ())]
pub struct ContactForm(String);

fn main() {}
