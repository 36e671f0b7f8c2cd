//! The command line: parsing (clap) and running a command to an exit code. `main` only calls
//! [`run`].

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use serde::Serialize;

use crate::baseline::Baseline;
use crate::config::Config;
use crate::engine::{LintOptions, lint, lint_with_index};
use crate::env::{EnvironmentSpec, Environments};
use crate::finding::Severity;
use crate::report::envs_table::{self, Marking, TABLE_RULES};
use crate::report::{self, human::HumanOptions, json::JsonOptions, rule_url};
use crate::rules::registry;
use crate::walk::{Input, WalkOptions, discover};

/// Exit codes (DESIGN.md §5).
pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "kubelint",
    version,
    about = "Finds what passes kubectl apply but breaks production later."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint files and directories (default: the current directory); `-` reads stdin.
    Check(CheckArgs),
    /// List every rule with its id, default severity, category and summary.
    Rules {
        /// A table, or JSON with each rule's documentation URL.
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
    },
    /// The cross-environment table: each workload's cpu/memory requests and limits and
    /// replicas per environment, with the values that fire a rule marked.
    Envs(EnvsArgs),
    /// Print a rule's documentation.
    Explain {
        /// The rule id, e.g. rollout-surge-scarce-resource.
        rule: String,
    },
    /// Write a commented starter .kubelint.yaml with every option.
    Init {
        /// Where to write it: a file, or a directory to write .kubelint.yaml in (default: .).
        path: Option<PathBuf>,
        /// Overwrite a file that is already there.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files and directories to lint; `-` reads stdin.
    pub paths: Vec<PathBuf>,
    /// How the report is written: rustc-style diagnostics, the versioned JSON report, SARIF
    /// 2.1.0 for code scanning, or GitHub Actions annotations.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The configuration file (default: .kubelint.yaml in the working directory or above).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Only run these rules (comma-separated ids; repeatable).
    #[arg(long, value_name = "RULE,...", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Do not run these rules (comma-separated ids; repeatable).
    #[arg(long, value_name = "RULE,...", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Skip files and directories matching GLOB (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Report only findings that are not recorded in FILE (see --write-baseline).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record every current finding in FILE, then report them as suppressed (exit 0).
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub write_baseline: Option<PathBuf>,
    /// Also list suppressed findings (annotation, comment, baseline), each with why.
    #[arg(long)]
    pub show_suppressed: bool,
    /// Files matching PATH_OR_GLOB belong to environment NAME (repeatable; adds to the
    /// configuration's `environments`).
    #[arg(long = "env", value_name = "NAME=PATH_OR_GLOB", value_parser = EnvironmentSpec::parse_flag)]
    pub environments: Vec<EnvironmentSpec>,
}

#[derive(Debug, clap::Args)]
pub struct EnvsArgs {
    /// Files and directories to read; `-` reads stdin.
    pub paths: Vec<PathBuf>,
    /// A table (coloured on a terminal), JSON, or Markdown for a pull-request comment.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
    /// The configuration file (default: .kubelint.yaml in the working directory or above).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Skip files and directories matching GLOB (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Files matching PATH_OR_GLOB belong to environment NAME (repeatable).
    #[arg(long = "env", value_name = "NAME=PATH_OR_GLOB", value_parser = EnvironmentSpec::parse_flag)]
    pub environments: Vec<EnvironmentSpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}

/// Runs a parsed command line; errors go to stderr, the report to stdout or `--output`.
pub fn run(cli: Cli) -> ExitCode {
    let code = match cli.command {
        Command::Check(args) => check(args),
        Command::Envs(args) => envs(args),
        Command::Rules { format } => list_rules(format),
        Command::Explain { rule } => explain(&rule),
        Command::Init { path, force } => init(path, force),
    };
    ExitCode::from(code)
}

fn fail(message: impl std::fmt::Display) -> u8 {
    eprintln!("kubelint: error: {message}");
    EXIT_ERROR
}

/// The configuration from `--config` or found upward, with `--env` entries added; the exit
/// code when it cannot be read.
fn load_config(path: Option<&PathBuf>, environments: &[EnvironmentSpec]) -> Result<Config, u8> {
    let config_path = match path {
        Some(path) => Some(path.clone()),
        None => std::env::current_dir()
            .ok()
            .and_then(|dir| Config::discover(&dir)),
    };
    let config = match config_path.as_deref().map(Config::load).transpose() {
        Ok(config) => config.unwrap_or_default(),
        Err(error) => {
            let handler =
                miette::GraphicalReportHandler::new_themed(theme(std::io::stderr().is_terminal()));
            let mut rendered = String::new();
            if handler
                .render_report(&mut rendered, error.as_ref())
                .is_err()
            {
                rendered = error.message.clone();
            }
            eprintln!(
                "kubelint: error: {}: {}\n{rendered}",
                error.position, error.message
            );
            return Err(EXIT_ERROR);
        }
    };
    let mut config = config;
    config.environments.extend(environments.iter().cloned());
    if let Err(message) = Environments::new(&config.environments) {
        return Err(fail(message));
    }
    Ok(config)
}

/// What to read: the inputs, stdin's text if `-` is one of them, and the paths that could
/// not be read (reported, not fatal).
struct Inputs {
    inputs: Vec<Input>,
    stdin: Option<String>,
    errors: Vec<String>,
}

/// The inputs under `paths` (default `.`).
fn inputs(paths: &[PathBuf], config: &Config, exclude: &[String]) -> Result<Inputs, u8> {
    let paths = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    let walk = WalkOptions {
        excludes: config.exclude.iter().chain(exclude).cloned().collect(),
        ..WalkOptions::default()
    };
    let discovered = discover(&paths, &walk);
    if let Some(fatal) = discovered.errors.iter().find(|e| e.is_fatal()) {
        return Err(fail(fatal));
    }
    let stdin = if discovered.inputs.contains(&Input::Stdin) {
        let mut text = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut text) {
            return Err(fail(format!("-: cannot read stdin: {e}")));
        }
        Some(text)
    } else {
        None
    };
    let errors = discovered.errors.iter().map(ToString::to_string).collect();
    Ok(Inputs {
        inputs: discovered.inputs,
        stdin,
        errors,
    })
}

fn envs(args: EnvsArgs) -> u8 {
    let config = match load_config(args.config.as_ref(), &args.environments) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let Inputs {
        inputs,
        stdin,
        errors: walk_errors,
    } = match inputs(&args.paths, &config, &args.exclude) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let options = LintOptions {
        jobs: None,
        select: TABLE_RULES.iter().map(|r| r.to_string()).collect(),
        ignore: Vec::new(),
    };
    let (report, index) = lint_with_index(&inputs, stdin.as_deref(), &config, &options);
    let table = envs_table::build(&index, &config, &report.findings);
    let mut out = std::io::stdout().lock();
    let written = match args.format {
        TableFormat::Table => {
            let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let marking = if colour {
                Marking::Colour
            } else {
                Marking::Markers
            };
            envs_table::write_plain(&table, marking, &mut out)
        }
        TableFormat::Json => envs_table::write_json(&table, &mut out),
        TableFormat::Markdown => envs_table::write_markdown(&table, &mut out),
    };
    if let Err(e) = written.and_then(|()| out.flush()) {
        return fail(format!("cannot write the table: {e}"));
    }
    let mut code = EXIT_CLEAN;
    for error in walk_errors.iter().chain(&report.errors) {
        eprintln!("kubelint: error: {error}");
        code = EXIT_ERROR;
    }
    code
}

fn check(args: CheckArgs) -> u8 {
    let config = match load_config(args.config.as_ref(), &args.environments) {
        Ok(config) => config,
        Err(code) => return code,
    };
    for id in args.select.iter().chain(&args.ignore) {
        if registry().get(id).is_none() {
            return fail(format!("unknown rule `{id}` (see `kubelint rules`)"));
        }
    }
    let baseline = match args.baseline.as_deref().map(Baseline::load).transpose() {
        Ok(baseline) => baseline,
        Err(message) => return fail(message),
    };
    let Inputs {
        inputs,
        stdin,
        errors: walk_errors,
    } = match inputs(&args.paths, &config, &args.exclude) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let options = LintOptions {
        jobs: args.jobs,
        select: args.select.clone(),
        ignore: args.ignore.clone(),
    };
    let mut report = lint(&inputs, stdin.as_deref(), &config, &options);
    if let Some(path) = &args.write_baseline {
        let (written, text) = match Baseline::record(&report, path) {
            Ok(recorded) => recorded,
            Err(message) => return fail(message),
        };
        if let Err(e) = std::fs::write(path, text) {
            return fail(format!(
                "{}: cannot write the baseline: {e}",
                path.display()
            ));
        }
        let applied = written.apply(&mut report);
        eprintln!(
            "kubelint: recorded {} in {}; `kubelint check --baseline {}` reports only new ones",
            plural(applied.absorbed, "finding"),
            path.display(),
            path.display()
        );
    }
    if let Some(baseline) = &baseline {
        let applied = baseline.apply(&mut report);
        if applied.unmatched > 0 {
            eprintln!(
                "kubelint: {} of {} matched nothing (fixed?); --write-baseline records the findings as they are now",
                plural(applied.unmatched, "baseline entry"),
                args.baseline.as_deref().unwrap_or(Path::new("")).display()
            );
        }
    }
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => match std::fs::File::create(path) {
            Ok(file) => Box::new(std::io::BufWriter::new(file)),
            Err(e) => return fail(format!("{}: cannot write: {e}", path.display())),
        },
        None => Box::new(std::io::stdout().lock()),
    };
    let written = match args.format {
        Format::Human => {
            let color = args.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none();
            let options = HumanOptions {
                color,
                width: terminal_width(),
                links: color,
                show_suppressed: args.show_suppressed,
            };
            report::human::write(&report, &options, &mut out)
        }
        Format::Json => report::json::write_with(
            &report,
            &JsonOptions {
                show_suppressed: args.show_suppressed,
            },
            &mut out,
        ),
        Format::Sarif => {
            let rules: Vec<_> = registry().entries().iter().map(|e| &e.meta).collect();
            report::sarif::write(&report, &rules, &mut out)
        }
        Format::Github => report::github::write(&report, &mut out),
    };
    if let Err(e) = written.and_then(|()| out.flush()) {
        return fail(format!("cannot write the report: {e}"));
    }
    let mut code = match (report.worst(), args.fail_on.threshold()) {
        (Some(worst), Some(threshold)) if worst >= threshold => EXIT_FINDINGS,
        _ => EXIT_CLEAN,
    };
    for error in walk_errors.iter().chain(&report.errors) {
        eprintln!("kubelint: error: {error}");
        code = EXIT_ERROR;
    }
    code
}

/// `1 finding`, `3 baseline entries`.
fn plural(n: usize, noun: &str) -> String {
    match (n, noun.strip_suffix('y')) {
        (1, _) => format!("1 {noun}"),
        (_, Some(stem)) => format!("{n} {stem}ies"),
        _ => format!("{n} {noun}s"),
    }
}

fn init(path: Option<PathBuf>, force: bool) -> u8 {
    match crate::init::write_starter(path.as_deref(), force) {
        Ok(written) => {
            println!(
                "kubelint: wrote {}: every option with the value kubelint uses when it is absent",
                written.display()
            );
            EXIT_CLEAN
        }
        Err(message) => fail(message),
    }
}

fn theme(color: bool) -> miette::GraphicalTheme {
    if color && std::env::var_os("NO_COLOR").is_none() {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    }
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
}

#[derive(Serialize)]
struct RuleListing<'a> {
    id: &'a str,
    severity: Severity,
    category: &'a str,
    summary: &'a str,
    url: String,
}

fn list_rules(format: ListFormat) -> u8 {
    let listings: Vec<RuleListing<'_>> = registry()
        .entries()
        .iter()
        .map(|e| RuleListing {
            id: e.meta.id,
            severity: e.meta.severity,
            category: e.meta.category,
            summary: e.meta.summary,
            url: rule_url(e.meta.id),
        })
        .collect();
    let text = match format {
        ListFormat::Json => match serde_json::to_string_pretty(&listings) {
            Ok(json) => json + "\n",
            Err(e) => return fail(e),
        },
        ListFormat::Human => {
            let width = listings.iter().map(|l| l.id.len()).max().unwrap_or(0);
            listings
                .iter()
                .map(|l| {
                    format!(
                        "{:width$}  {:7}  {:11}  {}\n",
                        l.id,
                        l.severity.as_str(),
                        l.category,
                        l.summary
                    )
                })
                .collect()
        }
    };
    print!("{text}");
    EXIT_CLEAN
}

fn explain(id: &str) -> u8 {
    match registry().get(id) {
        Some(entry) => {
            print!("{}", entry.meta.body);
            println!(
                "\nDefault severity: {}. Category: {}.",
                entry.meta.severity, entry.meta.category
            );
            EXIT_CLEAN
        }
        None => fail(format!("unknown rule `{id}` (see `kubelint rules`)")),
    }
}
