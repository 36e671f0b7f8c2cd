//! Kustomize patch files. A patch is a fragment merged into another object by `kustomize
//! build`; it is never applied as written, so its objects are not linted (their YAML still is).
//! The rendered output, where the merged object exists, is what kubelint checks.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

use crate::walk::Input;
use crate::yaml::{Document, Loaded, Loader, NodeId};

/// File names kustomize reads as a kustomization.
const KUSTOMIZATION_FILES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// The patch files named by every kustomization among `inputs`, as [`normalize`]d paths.
pub fn patch_files(inputs: &[Input]) -> HashSet<PathBuf> {
    let mut patches = HashSet::new();
    for input in inputs {
        let Input::File(path) = input else { continue };
        let is_kustomization = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| KUSTOMIZATION_FILES.contains(&n));
        if !is_kustomization {
            continue;
        }
        // A kustomization that cannot be read is reported when it is linted as a file.
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        patches.extend(
            patch_paths(&text)
                .into_iter()
                .map(|relative| normalize(&dir.join(relative))),
        );
    }
    patches
}

/// A path with `.` removed and `dir/..` folded, without touching the file system: inputs and
/// patch paths are both spelled from the same arguments, so this makes them comparable
/// without a `canonicalize` per input.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The paths a kustomization names as patches: `patchesStrategicMerge` entries,
/// `patches[].path` and `patchesJson6902[].path`.
fn patch_paths(text: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for loaded in Loader::new(text) {
        let Loaded::Document(doc) = loaded else {
            continue;
        };
        let Some(root) = doc.root.filter(|r| doc.is_map(*r)) else {
            continue;
        };
        let items = |key: &str| {
            doc.get(root, key)
                .map(|list| doc.seq_items(list).to_vec())
                .unwrap_or_default()
        };
        let text_of = |doc: &Document<'_>, node: NodeId| doc.text(node).map(str::to_string);
        paths.extend(
            items("patchesStrategicMerge")
                .into_iter()
                .filter_map(|item| text_of(&doc, item)),
        );
        for key in ["patches", "patchesJson6902"] {
            paths.extend(
                items(key)
                    .into_iter()
                    .filter_map(|item| doc.get(item, "path"))
                    .filter_map(|path| text_of(&doc, path)),
            );
        }
    }
    paths
}

/// The fields whose patched value decides replica counts, budgets and rollouts: a base that
/// an overlay patches there is not what is applied.
const COUNT_FIELDS: [&str; 6] = [
    "replicas",
    "minReplicas",
    "maxReplicas",
    "minAvailable",
    "maxUnavailable",
    "strategy",
];

/// The kind and name of the object a strategic-merge patch document changes, when it sets one
/// of [`COUNT_FIELDS`] under `spec`.
pub fn patched_counts(doc: &Document<'_>) -> Option<(String, String)> {
    let root = doc.root.filter(|r| doc.is_map(*r))?;
    let kind = doc.text(doc.get(root, "kind")?)?;
    let name = doc.text(doc.get(doc.get(root, "metadata")?, "name")?)?;
    let spec = doc.get(root, "spec")?;
    COUNT_FIELDS
        .iter()
        .any(|field| doc.get(spec, field).is_some())
        .then(|| (kind.to_string(), name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_folds_dots() {
        assert_eq!(
            normalize(Path::new("a/./b/../c.yaml")),
            Path::new("a/c.yaml")
        );
        assert_eq!(normalize(Path::new("../x/../y")), Path::new("../y"));
        assert_eq!(normalize(Path::new("./k.yaml")), Path::new("k.yaml"));
    }

    #[test]
    fn every_form_of_patch_is_found() {
        let text = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../base]\n\
                    patchesStrategicMerge:\n- replicas.yaml\npatches:\n  - path: gpu.yaml\n    target: {kind: Deployment}\n  - patch: |-\n      - op: remove\n\
                    patchesJson6902:\n- path: json.yaml\n  target: {kind: Service}\n";
        assert_eq!(
            patch_paths(text),
            ["replicas.yaml", "gpu.yaml", "json.yaml"]
        );
    }

    #[test]
    fn patches_are_found_relative_to_their_kustomization() {
        let dir = tempfile::tempdir().unwrap();
        let overlay = dir.path().join("overlay");
        std::fs::create_dir(&overlay).unwrap();
        std::fs::write(
            overlay.join("kustomization.yaml"),
            "patches:\n- path: patch.yaml\n",
        )
        .unwrap();
        std::fs::write(overlay.join("patch.yaml"), "kind: Deployment\n").unwrap();
        let patches = patch_files(&[Input::File(overlay.join("kustomization.yaml"))]);
        assert!(patches.contains(&overlay.join("patch.yaml")));
        assert!(patch_files(&[Input::Stdin]).is_empty());
    }
}
