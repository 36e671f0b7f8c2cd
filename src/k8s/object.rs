//! Objects: documents with apiVersion and kind, decoded into k8s-openapi types where a rule
//! needs them, always keeping the span tree for locations.

use std::cell::OnceCell;
use std::sync::Arc;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::autoscaling::{v1 as autoscaling_v1, v2 as autoscaling_v2};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    ConfigMap, LimitRange, PersistentVolumeClaim, Pod, PodSpec, PodTemplateSpec, Service,
};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Deserialize;

use crate::finding::{Finding, Location, ObjectRef, Severity};
use crate::source::{FileId, LineIndex};
use crate::yaml::{DeError, Document, FieldPath, NodeId, Span, Target, from_node};

/// A file being linted: its text and, once a location is needed, its line index.
pub struct FileContext<'t> {
    pub id: FileId,
    pub text: &'t str,
    lines: OnceCell<LineIndex>,
}

impl<'t> FileContext<'t> {
    pub fn new(id: FileId, text: &'t str) -> Self {
        FileContext {
            id,
            text,
            lines: OnceCell::new(),
        }
    }

    pub fn location(&self, span: Span) -> Location {
        let lines = self.lines.get_or_init(|| LineIndex::new(self.text));
        let start = lines.line_col(self.text, span.start as usize);
        let end = lines.line_col(self.text, span.end as usize);
        Location {
            file: self.id,
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
            start: span.start,
            end: span.end.max(span.start),
        }
    }
}

/// The typed value of the kinds rules read. Other kinds (CRDs) are `Other`. The metadata is
/// moved out to [`Object::metadata`]; the typed value's own is empty.
#[derive(Debug)]
pub enum Typed {
    Deployment(Box<Deployment>),
    StatefulSet(Box<StatefulSet>),
    DaemonSet(Box<DaemonSet>),
    ReplicaSet(Box<ReplicaSet>),
    Job(Box<Job>),
    CronJob(Box<CronJob>),
    Pod(Box<Pod>),
    PodDisruptionBudget(Box<PodDisruptionBudget>),
    HorizontalPodAutoscalerV2(Box<autoscaling_v2::HorizontalPodAutoscaler>),
    HorizontalPodAutoscalerV1(Box<autoscaling_v1::HorizontalPodAutoscaler>),
    PersistentVolumeClaim(Box<PersistentVolumeClaim>),
    Service(Box<Service>),
    ConfigMap(Box<ConfigMap>),
    LimitRange(Box<LimitRange>),
    Other,
}

/// A Kubernetes object in a document (or an item of a `kind: List`).
pub struct Object<'d, 'a> {
    pub doc: &'d Document<'a>,
    /// The object's own mapping.
    pub root: NodeId,
    pub file: &'d FileContext<'d>,
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub typed: Typed,
    /// The environment (SEMANTICS.md §E.1): the file's, else one its namespace names.
    pub environment: Option<Arc<str>>,
    /// Where the object pairs with its peers in other environments: the path above the
    /// environment's directory, the file's directory, or empty for configured environments.
    pub environment_scope: Arc<str>,
}

/// One place in a pod template: where the template lives differs per kind, so every rule
/// reaches the pod spec through this view and its path prefix.
pub struct PodTemplateView<'o> {
    pub spec: &'o PodSpec,
    /// Labels and annotations of the pods (the template's metadata; a Pod's own metadata).
    pub metadata: Option<&'o ObjectMeta>,
    /// The path of the pod spec inside the object.
    pub spec_path: FieldPath,
}

impl<'d, 'a> Object<'d, 'a> {
    pub fn name(&self) -> Option<&str> {
        self.metadata.name.as_deref()
    }

    pub fn namespace(&self) -> Option<&str> {
        self.metadata.namespace.as_deref()
    }

    pub fn reference(&self) -> ObjectRef {
        ObjectRef {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            namespace: self.metadata.namespace.clone(),
            name: self.metadata.name.clone(),
            document: self.doc.index + 1,
        }
    }

    /// `Kind namespace/name` for messages.
    pub fn display_name(&self) -> String {
        let name = self.name().unwrap_or("<unnamed>");
        match self.namespace() {
            Some(ns) => format!("{} {ns}/{name}", self.kind),
            None => format!("{} {name}", self.kind),
        }
    }

    /// Where a field is (or, when absent, its nearest existing parent).
    pub fn locate(&self, path: &FieldPath, target: Target) -> Location {
        self.file
            .location(self.doc.locate(self.root, path, target).span)
    }

    /// A finding at `path` of this object, with the object filled in.
    pub fn finding(
        &self,
        rule: &'static str,
        severity: Severity,
        path: &FieldPath,
        target: Target,
        message: impl Into<String>,
    ) -> Finding {
        let mut finding = Finding::new(rule, severity, self.locate(path, target), message);
        finding.path = Some(path.to_string());
        finding.object = Some(self.reference());
        finding
    }

    pub fn pod_template(&self) -> Option<PodTemplateView<'_>> {
        fn in_template<'o>(
            template: &'o PodTemplateSpec,
            prefix: &[&'static str],
        ) -> Option<PodTemplateView<'o>> {
            template.spec.as_ref().map(|spec| PodTemplateView {
                spec,
                metadata: template.metadata.as_ref(),
                spec_path: FieldPath::keys(prefix).key("spec"),
            })
        }
        match &self.typed {
            Typed::Deployment(d) => in_template(&d.spec.template, &["spec", "template"]),
            Typed::StatefulSet(s) => in_template(&s.spec.template, &["spec", "template"]),
            Typed::DaemonSet(d) => in_template(&d.spec.template, &["spec", "template"]),
            Typed::ReplicaSet(r) => in_template(r.spec.template.as_ref()?, &["spec", "template"]),
            Typed::Job(j) => in_template(&j.spec.as_ref()?.template, &["spec", "template"]),
            Typed::CronJob(c) => in_template(
                &c.spec.job_template.spec.as_ref()?.template,
                &["spec", "jobTemplate", "spec", "template"],
            ),
            Typed::Pod(p) => p.spec.as_ref().map(|spec| PodTemplateView {
                spec,
                metadata: Some(&self.metadata),
                spec_path: FieldPath::keys(&["spec"]),
            }),
            _ => None,
        }
    }
}

/// A field of the wrong type: what the API server would reject, at the offending node.
pub struct DecodeError {
    pub node: NodeId,
    pub message: String,
}

fn at_node(error: DeError, fallback: NodeId) -> DecodeError {
    DecodeError {
        node: error.node.unwrap_or(fallback),
        message: error.message,
    }
}

/// The metadata every object has; decoding only it keeps CRDs cheap.
#[derive(Deserialize)]
struct Head {
    #[serde(default)]
    metadata: Option<ObjectMeta>,
}

macro_rules! decode_kinds {
    ($doc:expr, $root:expr, $api_version:expr, $kind:expr; $($group_version:literal $name:literal => $variant:ident($ty:ty)),* $(,)?) => {
        match ($api_version, $kind) {
            $(($group_version, $name) => {
                let mut value: $ty = from_node($doc, $root).map_err(|e| at_node(e, $root))?;
                // The object owns the metadata; the typed value keeps an empty one.
                let metadata = std::mem::take(&mut value.metadata);
                Ok((metadata, Typed::$variant(Box::new(value))))
            })*
            _ => {
                let head: Head = from_node($doc, $root).map_err(|e| at_node(e, $root))?;
                Ok((head.metadata.unwrap_or_default(), Typed::Other))
            }
        }
    };
}

/// Decodes the object at `root`, typed when its kind is one the rules read.
pub fn decode_object(
    doc: &Document<'_>,
    root: NodeId,
    api_version: &str,
    kind: &str,
) -> Result<(ObjectMeta, Typed), DecodeError> {
    decode_kinds!(doc, root, api_version, kind;
        "apps/v1" "Deployment" => Deployment(Deployment),
        "apps/v1" "StatefulSet" => StatefulSet(StatefulSet),
        "apps/v1" "DaemonSet" => DaemonSet(DaemonSet),
        "apps/v1" "ReplicaSet" => ReplicaSet(ReplicaSet),
        "batch/v1" "Job" => Job(Job),
        "batch/v1" "CronJob" => CronJob(CronJob),
        "v1" "Pod" => Pod(Pod),
        "policy/v1" "PodDisruptionBudget" => PodDisruptionBudget(PodDisruptionBudget),
        "autoscaling/v2" "HorizontalPodAutoscaler" => HorizontalPodAutoscalerV2(autoscaling_v2::HorizontalPodAutoscaler),
        "autoscaling/v1" "HorizontalPodAutoscaler" => HorizontalPodAutoscalerV1(autoscaling_v1::HorizontalPodAutoscaler),
        "v1" "PersistentVolumeClaim" => PersistentVolumeClaim(PersistentVolumeClaim),
        "v1" "Service" => Service(Service),
        "v1" "ConfigMap" => ConfigMap(ConfigMap),
        "v1" "LimitRange" => LimitRange(LimitRange),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::load::first_document;

    const POD_SPEC: &str = "containers:\n- name: c\n  image: c\n";

    fn indent(text: &str, by: usize) -> String {
        text.lines()
            .map(|l| format!("{}{l}\n", " ".repeat(by)))
            .collect()
    }

    /// The line of the first container's `name` in each workload kind, through the view.
    #[test]
    fn pod_template_view_points_into_every_kind() {
        let template = |by: usize| {
            format!(
                "{}template:\n{}  spec:\n{}",
                " ".repeat(by),
                " ".repeat(by),
                indent(POD_SPEC, by + 4)
            )
        };
        let cases = [
            (
                "apps/v1",
                "Deployment",
                format!("spec:\n  selector: {{}}\n{}", template(2)),
                9,
            ),
            (
                "apps/v1",
                "StatefulSet",
                format!("spec:\n  serviceName: s\n  selector: {{}}\n{}", template(2)),
                10,
            ),
            (
                "apps/v1",
                "DaemonSet",
                format!("spec:\n  selector: {{}}\n{}", template(2)),
                9,
            ),
            (
                "apps/v1",
                "ReplicaSet",
                format!("spec:\n  selector: {{}}\n{}", template(2)),
                9,
            ),
            ("batch/v1", "Job", format!("spec:\n{}", template(2)), 8),
            (
                "batch/v1",
                "CronJob",
                format!(
                    "spec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n{}",
                    template(6)
                ),
                11,
            ),
            ("v1", "Pod", format!("spec:\n{}", indent(POD_SPEC, 2)), 6),
        ];
        for (api_version, kind, body, line) in cases {
            let text =
                format!("apiVersion: {api_version}\nkind: {kind}\nmetadata: {{name: x}}\n{body}");
            let doc = first_document(&text);
            let root = doc.root.unwrap();
            let (metadata, typed) = decode_object(&doc, root, api_version, kind)
                .unwrap_or_else(|e| panic!("{kind}: {}", e.message));
            let file = FileContext::new(0, &text);
            let object = Object {
                doc: &doc,
                root,
                file: &file,
                api_version: api_version.into(),
                kind: kind.into(),
                metadata,
                typed,
                environment: None,
                environment_scope: Arc::from(""),
            };
            let view = object
                .pod_template()
                .unwrap_or_else(|| panic!("{kind}: no pod template"));
            assert_eq!(view.spec.containers[0].name, "c");
            let path = view
                .spec_path
                .clone()
                .key("containers")
                .index(0)
                .key("name");
            assert_eq!(
                object.locate(&path, Target::Value).line,
                line,
                "{kind}\n{text}"
            );
        }
    }
}
