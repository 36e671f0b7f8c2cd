//! `invalid-object`: a Kubernetes object that the API server would reject because a field has
//! the wrong type (`replicas: "one"`, `containers` written as a mapping, `value: yes`).

use super::Rule;
use crate::finding::{Finding, Location, Severity};

pub const ID: &str = "invalid-object";

pub struct InvalidObject;

impl Rule for InvalidObject {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/invalid-object.md")
    }
}

/// The finding for a field of the wrong type at `location`.
pub fn finding(location: Location, message: &str) -> Finding {
    Finding::new(
        ID,
        Severity::Error,
        location,
        format!("the API server would reject this object: {message}"),
    )
    .with_label("wrong type")
    .with_help("write the value with the type the Kubernetes API expects for this field")
}
