//! Compile-time behaviour of `#[activity]`: what it accepts and how it explains what it rejects.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
