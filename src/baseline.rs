//! The baseline (DESIGN.md §7): `--write-baseline FILE` records today's findings so that a team
//! can adopt kubelint on a repository that already has many, and `--baseline FILE` then reports
//! only findings that are not in it.
//!
//! An entry is a [`Finding::fingerprint`] (rule, file, object identity, field path; never a
//! line), so findings stay matched when lines move. Two findings with one fingerprint (the same
//! object twice in a file) give one entry with `count: 2`, and an entry absorbs at most as many
//! findings as it counts, so a third copy is new. File names are taken relative to the
//! baseline file's directory, so the baseline matches whether kubelint runs from the repository
//! root (`check .`), from a subdirectory, or with absolute paths.
//!
//! The file is JSON meant to be reviewed in a pull request: a version, then one entry per
//! fingerprint sorted by file, rule, object and path, with those fields for people.

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::finding::ObjectRef;
use crate::report::Report;
use crate::suppress::{Suppressed, Suppression};

/// The version this kubelint writes and reads.
pub const BASELINE_VERSION: u32 = 1;

/// A loaded baseline, ready to match findings.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    /// How many findings each fingerprint absorbs.
    counts: HashMap<String, usize>,
    /// Names are made relative to this directory (absolute) before fingerprinting.
    root: PathBuf,
    /// The working directory, against which relative file names are read.
    cwd: PathBuf,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
struct Entry {
    /// For people: the rule, the file (relative to the baseline), the object, the field path.
    file: String,
    rule: String,
    object: Option<String>,
    path: Option<String>,
    fingerprint: String,
    /// How many findings share this fingerprint; written only when more than one.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    count: usize,
}

fn one() -> usize {
    1
}

fn is_one(count: &usize) -> bool {
    *count == 1
}

/// What [`Baseline::apply`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Applied {
    /// Findings the baseline absorbed.
    pub absorbed: usize,
    /// Recorded findings that matched nothing this run (fixed, or renamed).
    pub unmatched: usize,
}

impl Baseline {
    /// Reads a baseline file. The error names the file and says what is wrong.
    pub fn load(path: &Path) -> Result<Baseline, String> {
        let name = path.display();
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{name}: cannot read the baseline: {e}"))?;
        let file: BaselineFile = serde_json::from_str(&text).map_err(|e| {
            format!("{name}: not a kubelint baseline (line {}, column {}): {e}; write one with --write-baseline", e.line(), e.column())
        })?;
        if file.version != BASELINE_VERSION {
            return Err(format!(
                "{name}: baseline version {} is not one this kubelint reads (it reads version {BASELINE_VERSION}); write it again with --write-baseline",
                file.version
            ));
        }
        let mut baseline = Baseline::empty(path)?;
        for entry in file.findings {
            *baseline.counts.entry(entry.fingerprint).or_default() += entry.count;
        }
        Ok(baseline)
    }

    /// A baseline to be kept at `path`, with no entries yet.
    fn empty(path: &Path) -> Result<Baseline, String> {
        let cwd = std::env::current_dir()
            .map_err(|e| format!("cannot read the working directory: {e}"))?;
        let dir = path.parent().unwrap_or(Path::new(""));
        Ok(Baseline {
            counts: HashMap::new(),
            root: normalize(&cwd.join(dir)),
            cwd,
        })
    }

    /// Records every finding of `report` as a baseline to be written at `path`; returns it
    /// and the text of the file.
    pub fn record(report: &Report, path: &Path) -> Result<(Baseline, String), String> {
        let mut baseline = Baseline::empty(path)?;
        let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
        for finding in &report.findings {
            let file = baseline.file_key(report.file_name(&finding.location));
            let fingerprint = finding.fingerprint(&file);
            *baseline.counts.entry(fingerprint.clone()).or_default() += 1;
            entries
                .entry(fingerprint.clone())
                .and_modify(|entry| entry.count += 1)
                .or_insert_with(|| Entry {
                    file: file.replace('\\', "/"),
                    rule: finding.rule.to_string(),
                    object: finding.object.as_ref().map(describe),
                    path: finding.path.clone(),
                    fingerprint,
                    count: 1,
                });
        }
        let mut findings: Vec<Entry> = entries.into_values().collect();
        findings.sort();
        let file = BaselineFile {
            version: BASELINE_VERSION,
            findings,
        };
        let text = serde_json::to_string_pretty(&file)
            .map_err(|e| format!("cannot write the baseline: {e}"))?;
        Ok((baseline, text + "\n"))
    }

    /// Moves the findings of `report` that the baseline records to its suppressed list,
    /// each entry absorbing at most as many findings as it counts, in report order.
    pub fn apply(&self, report: &mut Report) -> Applied {
        let mut remaining = self.counts.clone();
        let mut kept = Vec::with_capacity(report.findings.len());
        let mut absorbed = Vec::new();
        for finding in std::mem::take(&mut report.findings) {
            let fingerprint =
                finding.fingerprint(&self.file_key(report.file_name(&finding.location)));
            match remaining.get_mut(&fingerprint) {
                Some(count) if *count > 0 => {
                    *count -= 1;
                    absorbed.push(Suppressed {
                        finding,
                        by: Suppression::Baseline,
                    });
                }
                _ => kept.push(finding),
            }
        }
        let applied = Applied {
            absorbed: absorbed.len(),
            unmatched: remaining.values().sum(),
        };
        report.findings = kept;
        report.suppressed.extend(absorbed);
        report
            .suppressed
            .sort_by(|a, b| a.finding.sort_key().cmp(&b.finding.sort_key()));
        report.count_severities();
        applied
    }

    /// A file name as the baseline records it: relative to the baseline's directory when the
    /// file lies below it, else as given. Stdin stays `-`.
    fn file_key(&self, name: &str) -> String {
        if name == "-" {
            return name.to_string();
        }
        let absolute = normalize(&self.cwd.join(name));
        match absolute.strip_prefix(&self.root) {
            Ok(relative) => relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/"),
            Err(_) => name.to_string(),
        }
    }
}

/// `Deployment ml/embedder`, for people reading the baseline.
fn describe(object: &ObjectRef) -> String {
    let name = object.name.as_deref().unwrap_or("<unnamed>");
    match &object.namespace {
        Some(namespace) => format!("{} {namespace}/{name}", object.kind),
        None => format!("{} {name}", object.kind),
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system (no symlinks resolved).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(component);
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Finding, Location, Severity};
    use crate::source::SourceFile;

    fn finding(file: usize, name: &str, path: &str) -> Finding {
        let location = Location {
            file,
            line: 3,
            column: 1,
            end_line: 3,
            end_column: 4,
            start: 20,
            end: 23,
        };
        let mut finding = Finding::new("some-rule", Severity::Warning, location, "m");
        finding.object = Some(ObjectRef {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            namespace: Some("ml".into()),
            name: Some(name.into()),
            document: 1,
        });
        finding.path = Some(path.into());
        finding
    }

    fn report(names: &[&str], findings: Vec<Finding>) -> Report {
        let mut report = Report {
            files: names
                .iter()
                .map(|name| SourceFile {
                    name: name.to_string(),
                    ..SourceFile::default()
                })
                .collect(),
            findings,
            ..Report::default()
        };
        report.count_severities();
        report
    }

    #[test]
    fn duplicates_are_counted_and_a_further_copy_is_new() {
        let two = report(
            &["deploy/a.yaml"],
            vec![finding(0, "api", "spec"), finding(0, "api", "spec")],
        );
        let (baseline, text) = Baseline::record(&two, Path::new("baseline.json")).unwrap();
        assert!(text.contains("\"count\": 2"), "{text}");
        assert!(text.ends_with("}\n"));
        let mut three = report(
            &["deploy/a.yaml"],
            vec![
                finding(0, "api", "spec"),
                finding(0, "api", "spec"),
                finding(0, "api", "spec"),
            ],
        );
        let applied = baseline.apply(&mut three);
        assert_eq!(
            applied,
            Applied {
                absorbed: 2,
                unmatched: 0
            }
        );
        assert_eq!(three.findings.len(), 1);
        assert_eq!(three.summary.suppressed, 2);
        assert_eq!(three.summary.warnings, 1);
    }

    #[test]
    fn names_are_relative_to_the_baseline_whatever_the_working_directory() {
        let cwd = std::env::current_dir().unwrap();
        let recorded = report(&["./deploy/a.yaml"], vec![finding(0, "api", "spec")]);
        let (_, text) = Baseline::record(&recorded, Path::new("baseline.json")).unwrap();
        assert!(text.contains("\"file\": \"deploy/a.yaml\""), "{text}");
        let dir = std::env::temp_dir().join(format!("kubelint-baseline-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("baseline.json");
        std::fs::write(&path, &text).unwrap();
        // The same file, named absolutely, matches a baseline that lies in the working directory.
        let mut baseline = Baseline::load(&path).unwrap();
        baseline.cwd = dir.clone();
        baseline.root = dir.clone();
        let absolute = dir.join("deploy/a.yaml").display().to_string();
        let mut later = report(&[&absolute], vec![finding(0, "api", "spec")]);
        assert_eq!(baseline.apply(&mut later).absorbed, 1);
        // A baseline one directory up still matches from a subdirectory.
        baseline.cwd = dir.join("deploy");
        let mut from_below = report(&["a.yaml"], vec![finding(0, "api", "spec")]);
        assert_eq!(baseline.apply(&mut from_below).absorbed, 1);
        let mut other = report(&["a.yaml"], vec![finding(0, "web", "spec")]);
        assert_eq!(
            baseline.apply(&mut other),
            Applied {
                absorbed: 0,
                unmatched: 1
            }
        );
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(std::env::current_dir().unwrap(), cwd);
    }

    #[test]
    fn entries_are_sorted_and_readable() {
        let findings = vec![
            finding(1, "web", "spec.replicas"),
            finding(0, "api", "spec.template"),
            finding(0, "api", "spec.replicas"),
        ];
        let (_, text) = Baseline::record(
            &report(&["b.yaml", "a.yaml"], findings),
            Path::new("x.json"),
        )
        .unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["version"], 1);
        let entries = value["findings"].as_array().unwrap();
        let order: Vec<(&str, &str)> = entries
            .iter()
            .map(|e| (e["file"].as_str().unwrap(), e["path"].as_str().unwrap()))
            .collect();
        assert_eq!(
            order,
            [
                ("a.yaml", "spec.replicas"),
                ("b.yaml", "spec.replicas"),
                ("b.yaml", "spec.template")
            ]
        );
        assert_eq!(entries[0]["object"], "Deployment ml/web");
        assert_eq!(entries[0]["rule"], "some-rule");
        assert_eq!(entries[0]["fingerprint"].as_str().unwrap().len(), 16);
        assert!(entries[0].get("count").is_none());
    }

    #[test]
    fn a_file_that_is_no_baseline_is_an_error_naming_it() {
        let dir =
            std::env::temp_dir().join(format!("kubelint-bad-baseline-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("b.json");
        for (text, expected) in [
            ("{\"version\": 1", "not a kubelint baseline (line 1"),
            ("{\"version\": 7, \"findings\": []}", "baseline version 7"),
            ("{\"findings\": []}", "missing field `version`"),
        ] {
            std::fs::write(&path, text).unwrap();
            let error = Baseline::load(&path).unwrap_err();
            assert!(error.starts_with(&path.display().to_string()), "{error}");
            assert!(error.contains(expected), "{error}");
        }
        let missing = Baseline::load(&dir.join("missing.json")).unwrap_err();
        assert!(
            missing.contains("missing.json: cannot read the baseline"),
            "{missing}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
