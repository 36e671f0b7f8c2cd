//! Where a rendered document came from: the `# Source: chart/templates/x.yaml` comment that
//! `helm template` writes before each document, or the `config.kubernetes.io/origin`
//! annotation of `kustomize build` with `buildMetadata: [originAnnotations]`.

use super::Object;

/// The annotation `kustomize build` writes with `buildMetadata: [originAnnotations]`.
pub const KUSTOMIZE_ORIGIN_ANNOTATION: &str = "config.kubernetes.io/origin";

/// The `path:` of a Kustomize origin annotation's value (`path: ../../base/app.yaml\n…`).
pub fn origin_annotation_path(value: &str) -> Option<&str> {
    value
        .lines()
        .find_map(|line| line.trim().strip_prefix("path:"))
        .map(|path| path.trim().trim_matches(['"', '\'']))
        .filter(|path| !path.is_empty())
}

/// The path of the `# Source:` comment in the comment lines directly before `start` (the
/// start of an object), never looking past the previous document's `---` or content.
pub fn helm_source_before(text: &str, start: usize) -> Option<&str> {
    let before = text.get(..start)?;
    // The object's own first line may begin after indentation or a `- ` of a List item:
    // only whole lines before it count.
    let head = &before[..before.rfind('\n').map_or(0, |i| i + 1)];
    for line in head.lines().rev() {
        let line = line.trim();
        if let Some(path) = line.strip_prefix("# Source:") {
            let path = path.trim();
            return (!path.is_empty()).then_some(path);
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix("---") {
            // `--- # Source: …` is the same comment on the marker line.
            return rest
                .trim()
                .strip_prefix("# Source:")
                .map(str::trim)
                .filter(|p| !p.is_empty());
        }
        return None;
    }
    None
}

impl Object<'_, '_> {
    /// The Kustomize origin annotation's path, if the object has one.
    pub fn kustomize_origin(&self) -> Option<String> {
        let value = self
            .metadata
            .annotations
            .as_ref()?
            .get(KUSTOMIZE_ORIGIN_ANNOTATION)?;
        origin_annotation_path(value).map(str::to_string)
    }

    /// The Helm template path of the `# Source:` comment before the object, if any.
    pub fn helm_source(&self) -> Option<&str> {
        let start = self.doc.span(self.root).start as usize;
        helm_source_before(self.file.text, start)
    }

    /// The template that produced the object (Helm first: its path names the chart).
    pub fn origin(&self) -> Option<String> {
        self.helm_source()
            .map(str::to_string)
            .or_else(|| self.kustomize_origin())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helm_source_comment_belongs_to_the_next_document_only() {
        let text = "---\n# Source: app/templates/svc.yaml\napiVersion: v1\nkind: Service\n---\n# Source: app/templates/deploy.yaml\n\napiVersion: apps/v1\nkind: Deployment\n---\napiVersion: v1\nkind: ConfigMap\n";
        let at = |needle: &str, nth: usize| text.match_indices(needle).nth(nth).unwrap().0;
        assert_eq!(
            helm_source_before(text, at("apiVersion", 0)),
            Some("app/templates/svc.yaml")
        );
        assert_eq!(
            helm_source_before(text, at("apiVersion", 1)),
            Some("app/templates/deploy.yaml")
        );
        assert_eq!(helm_source_before(text, at("apiVersion", 2)), None);
        assert_eq!(helm_source_before("apiVersion: v1\n", 0), None);
        assert_eq!(
            helm_source_before("--- # Source: c/templates/a.yaml\nkind: A\n", 33),
            Some("c/templates/a.yaml")
        );
    }

    #[test]
    fn only_comments_directly_before_an_object_count() {
        let text = "apiVersion: v1\nkind: List\nitems:\n# Source: nope\n- kind: A\n";
        assert_eq!(
            helm_source_before(text, text.find("kind: A").unwrap()),
            Some("nope")
        );
        let text = "kind: B\nx: 1\napiVersion: v1\n";
        assert_eq!(
            helm_source_before(text, text.find("apiVersion").unwrap()),
            None
        );
    }

    #[test]
    fn kustomize_origin_path() {
        assert_eq!(
            origin_annotation_path("path: ../../base/deployment.yaml\nrepo: x\n"),
            Some("../../base/deployment.yaml")
        );
        assert_eq!(origin_annotation_path("configuredIn: k.yaml\n"), None);
    }
}
