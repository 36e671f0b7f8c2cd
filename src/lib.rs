//! kubelint: an offline static analyzer for Kubernetes manifests as they will be applied.
//!
//! walk → load spanned YAML → typed objects → rules → findings → reporters; see
//! docs/architecture.md.

pub mod baseline;
pub mod cli;
pub mod config;
pub mod engine;
pub mod env;
pub mod finding;
pub mod init;
pub mod k8s;
pub mod kustomize;
pub mod process;
pub mod report;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod walk;
pub mod workers;
pub mod yaml;

pub use config::Config;
pub use engine::{LintOptions, lint};
pub use finding::{Finding, Severity};
pub use report::Report;
