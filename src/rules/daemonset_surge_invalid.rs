//! `daemonset-surge-invalid` (SEMANTICS.md §A.7): a DaemonSet rolling update where not exactly
//! one of maxSurge and maxUnavailable is non-zero; maxUnavailable defaults to 1, so a manifest
//! that sets only `maxSurge` is rejected.

use super::{ObjectContext, Rule};
use crate::finding::Severity;
use crate::k8s::daemonset::DaemonSetRolling;
use crate::k8s::{Object, Typed};
use crate::yaml::{FieldPath, Target};

pub const ID: &str = "daemonset-surge-invalid";

pub struct DaemonsetSurgeInvalid;

fn rolling_path(field: &'static str) -> FieldPath {
    FieldPath::keys(&["spec", "updateStrategy", "rollingUpdate", field])
}

impl Rule for DaemonsetSurgeInvalid {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/daemonset-surge-invalid.md")
    }

    fn check_object(&self, object: &Object<'_, '_>, cx: &mut ObjectContext<'_>) {
        let Typed::DaemonSet(daemon_set) = &object.typed else {
            return;
        };
        let Some(rolling) = DaemonSetRolling::of(daemon_set) else {
            return;
        };
        if rolling.is_valid() {
            return;
        }
        let display = object.display_name();
        let (path, message, label, help) = if rolling.surges() {
            let unavailable = match rolling.max_unavailable {
                Some(value) => format!("maxUnavailable is {value}"),
                None => "maxUnavailable is not set and defaults to 1".to_string(),
            };
            (
                rolling_path("maxSurge"),
                format!(
                    "{display}: maxSurge is set, but {unavailable}; the API server rejects a DaemonSet where both are \
                     non-zero (\"may not be set when maxUnavailable is non-zero\")."
                ),
                format!("maxSurge needs maxUnavailable: 0 ({unavailable})"),
                "surge (new pod beside the old one on each node; see daemonset-surge-conflict):\n\
                 \x20 updateStrategy:\n\
                 \x20   rollingUpdate:\n\
                 \x20     maxSurge: 1\n\
                 \x20     maxUnavailable: 0\n\
                 or replace pods in place (the default):\n\
                 \x20 updateStrategy:\n\
                 \x20   rollingUpdate:\n\
                 \x20     maxUnavailable: 1",
            )
        } else {
            (
                rolling_path("maxUnavailable"),
                format!(
                    "{display}: maxUnavailable is 0 and maxSurge is 0 (or not set); the API server rejects it (\"cannot \
                     be 0 when maxSurge is 0\"): the update could never replace a pod."
                ),
                "0, and maxSurge is 0 too".to_string(),
                "replace one pod per node at a time:\n\
                 \x20 updateStrategy:\n\
                 \x20   rollingUpdate:\n\
                 \x20     maxUnavailable: 1",
            )
        };
        cx.report(
            object
                .finding(ID, Severity::Error, &path, Target::Value, message)
                .with_label(label)
                .with_help(help),
        );
    }
}
