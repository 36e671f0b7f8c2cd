use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    kubelint::cli::run(kubelint::cli::Cli::parse())
}
