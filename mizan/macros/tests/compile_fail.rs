//! Every message the macros give for a mistake, as the compiler shows it: each case in
//! `tests/compile_fail/` must fail to build with the `.stderr` beside it. After changing a
//! message, `TRYBUILD=overwrite cargo test -p mizan-macros` writes them anew: read the diff.

#[test]
fn each_mistake_is_named_where_it_is() {
    trybuild::TestCases::new().compile_fail("tests/compile_fail/*.rs");
}
