//! Writes a benchmark corpus of `helm template`-like output:
//!
//! ```text
//! cargo run --release --example gen_corpus -- --size-mb 50 --out bench-corpus/50mb [--seed 1]
//! ```
//!
//! The generator itself lives in `benches/corpus/`, so that `cargo bench` can make its own
//! corpus without this program.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

#[path = "../benches/corpus/mod.rs"]
mod corpus;

/// Generate a deterministic corpus of rendered Helm charts (one directory per chart).
#[derive(Parser)]
struct Args {
    /// Total size to write, in MB (10^6 bytes); the last file ends at a document boundary.
    #[arg(long)]
    size_mb: u64,
    /// Directory to write into; it must be empty or absent.
    #[arg(long)]
    out: PathBuf,
    /// Seed of the generator; the same seed and size give the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match corpus::generate(&args.out, args.size_mb * 1_000_000, args.seed) {
        Ok(summary) => {
            println!(
                "{}: {} files, {} documents, {:.1} MB",
                args.out.display(),
                summary.files,
                summary.documents,
                summary.bytes as f64 / 1e6
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen_corpus: {e}");
            ExitCode::FAILURE
        }
    }
}
