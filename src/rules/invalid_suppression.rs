//! `invalid-suppression`: a `kubelint.io/ignore` annotation or `# kubelint:` comment that
//! does not do what it says: an unknown rule id (a typo, a rule of another tool), another
//! word than `ignore`, no rule at all, or a comment with no YAML after it. Reported while
//! suppressions are read (src/suppress.rs), so that a suppression never fails silently.

use super::Rule;
use crate::finding::{Finding, Location, Severity};

pub const ID: &str = "invalid-suppression";

pub struct InvalidSuppression;

impl Rule for InvalidSuppression {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/invalid-suppression.md")
    }
}

/// The finding for a suppression that suppresses nothing of what it names, at `location`.
pub fn finding(location: Location, message: String) -> Finding {
    Finding::new(ID, Severity::Warning, location, message)
        .with_label("suppresses nothing")
        .with_help(
            "name rules by their ids (`kubelint rules` lists them), separated by commas:\n  \
             metadata:\n    annotations:\n      kubelint.io/ignore: \"rule-a,rule-b\"\n      \
             kubelint.io/ignore-reason: \"why\"\n\
             or in a comment on the line above the key or object:\n  \
             # kubelint: ignore rule-a,rule-b -- why",
        )
}
