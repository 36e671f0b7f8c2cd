//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test binary uses a different subset

use std::path::{Path, PathBuf};

use kubelint::report::human::{self, HumanOptions};
use kubelint::walk::{Input, WalkOptions, discover};
use kubelint::{Config, LintOptions, Report, lint};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Lints paths given relative to the repository root (so reports name them that way).
pub fn lint_paths(paths: &[&str], config: &Config, options: &LintOptions) -> Report {
    let paths: Vec<PathBuf> = paths.iter().map(|p| repo().join(p)).collect();
    let discovered = discover(&paths, &WalkOptions::default());
    assert!(discovered.errors.is_empty(), "{:?}", discovered.errors);
    let mut report = lint(&discovered.inputs, None, config, options);
    let root = format!("{}/", repo().display());
    for file in &mut report.files {
        file.name = file.name.replace(&root, "");
    }
    report
}

/// Lints YAML text given as stdin.
pub fn lint_text(text: &str, config: &Config, options: &LintOptions) -> Report {
    lint(&[Input::Stdin], Some(text), config, options)
}

/// The report as a person sees it, without colour or hyperlinks, for snapshots.
pub fn render(report: &Report) -> String {
    let mut out = Vec::new();
    human::write(
        report,
        &HumanOptions {
            color: false,
            width: 100,
            links: false,
            show_suppressed: false,
        },
        &mut out,
    )
    .expect("render");
    String::from_utf8(out).expect("utf-8")
}

pub fn relative(path: &Path) -> String {
    path.strip_prefix(repo())
        .unwrap_or(path)
        .display()
        .to_string()
}
