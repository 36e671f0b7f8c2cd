//! The command line: parsing (clap) and running a command to an exit code. `main` only calls
//! [`run`].

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use serde::Serialize;

use crate::config::Config;
use crate::engine::{LintOptions, lint};
use crate::finding::Severity;
use crate::report::{self, human::HumanOptions, rule_url};
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
    /// Print a rule's documentation.
    Explain {
        /// The rule id, e.g. rollout-surge-scarce-resource.
        rule: String,
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
        Command::Rules { format } => list_rules(format),
        Command::Explain { rule } => explain(&rule),
    };
    ExitCode::from(code)
}

fn fail(message: impl std::fmt::Display) -> u8 {
    eprintln!("kubelint: error: {message}");
    EXIT_ERROR
}

fn check(args: CheckArgs) -> u8 {
    let config_path = match &args.config {
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
            return EXIT_ERROR;
        }
    };
    for id in args.select.iter().chain(&args.ignore) {
        if registry().get(id).is_none() {
            return fail(format!("unknown rule `{id}` (see `kubelint rules`)"));
        }
    }
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let walk = WalkOptions {
        excludes: config
            .exclude
            .iter()
            .chain(&args.exclude)
            .cloned()
            .collect(),
        ..WalkOptions::default()
    };
    let discovered = discover(&paths, &walk);
    if let Some(fatal) = discovered.errors.iter().find(|e| e.is_fatal()) {
        return fail(fatal);
    }
    let stdin = if discovered.inputs.contains(&Input::Stdin) {
        let mut text = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut text) {
            return fail(format!("-: cannot read stdin: {e}"));
        }
        Some(text)
    } else {
        None
    };
    let options = LintOptions {
        jobs: args.jobs,
        select: args.select.clone(),
        ignore: args.ignore.clone(),
    };
    let report = lint(&discovered.inputs, stdin.as_deref(), &config, &options);
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
            };
            report::human::write(&report, &options, &mut out)
        }
        Format::Json => report::json::write(&report, &mut out),
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
    for error in discovered
        .errors
        .iter()
        .map(ToString::to_string)
        .chain(report.errors.iter().cloned())
    {
        eprintln!("kubelint: error: {error}");
        code = EXIT_ERROR;
    }
    code
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
