//! `crate = "..."` for code that reaches the runtime under another name, and visibility and
//! other attributes carried over to the generated items.

extern crate swf_activity as swf;

mod activities {
    use super::swf;

    /// Echoes its input.
    #[swf::activity(version = "1", crate = "swf")]
    #[allow(clippy::needless_return)]
    pub(crate) async fn echo(input: String) -> String {
        return input;
    }
}

fn main() {
    use swf::activity::Activity;
    let echo = activities::echo;
    assert_eq!(echo.definition().activity_type.name, "echo");
    assert_eq!(activities::echo::DEFINITION.defaults.description.as_deref(), Some("Echoes its input."));
    let _ = activities::echo::run(String::new());
}
