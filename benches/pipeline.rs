//! The throughput benchmark of DESIGN.md §8: the whole `check` pipeline (discovery, reading,
//! loading, decoding, rules, the set pass and the JSON report) against the parse-only floor
//! (the same parser with the same options over the same files, building nothing), best of
//! three runs each, with 1 and with 2 worker threads.
//!
//! `cargo bench --bench pipeline` lints a 10 MB corpus it generates into the target directory;
//! with `KUBELINT_BENCH_CORPUS=DIR` it lints DIR instead. `scripts/bench.sh` runs it on 50 MB
//! and 200 MB corpora and on ../shared/corpus, and adds the peak RSS of the release binary.

mod corpus;

use std::collections::BTreeMap;
use std::error::Error;
use std::fs;
use std::hint::black_box;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kubelint::walk::{Input, WalkOptions, discover};
use kubelint::{Config, LintOptions, Report};
use rayon::prelude::*;

const RUNS: usize = 3;
const THREADS: [usize; 2] = [1, 2];
/// Big enough to take a good fraction of a second per run, small enough to make in a blink.
const DEFAULT_CORPUS_BYTES: u64 = 10_000_000;
const DEFAULT_SEED: u64 = 1;

fn main() -> Result<(), Box<dyn Error>> {
    let dir = match std::env::var_os("KUBELINT_BENCH_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => default_corpus()?,
    };
    let files: Vec<PathBuf> = walk(&dir)
        .into_iter()
        .filter_map(|input| match input {
            Input::File(path) => Some(path),
            Input::Stdin => None,
        })
        .collect();
    let bytes = files
        .iter()
        .map(|path| fs::metadata(path).map(|m| m.len()))
        .sum::<io::Result<u64>>()?;

    let report = check(&dir, 2)?;
    let summary = &report.summary;
    println!("corpus   {}", dir.display());
    println!(
        "input    {} files, {} documents, {} objects, {:.1} MB",
        summary.files,
        summary.documents,
        summary.objects,
        bytes as f64 / 1e6
    );
    let mut by_rule = BTreeMap::new();
    for finding in &report.findings {
        *by_rule.entry(finding.rule).or_insert(0) += 1;
    }
    for (rule, count) in &by_rule {
        println!("findings {count:>6}  {rule}");
    }

    // Discovery is serial and part of every `check` run, but not of the floor.
    let walked = best_of(|| Ok(walk(&dir)))?;
    println!(
        "walk     {:.0} ms (serial; included in check)",
        walked.as_secs_f64() * 1e3
    );
    println!("threads  floor MB/s  check MB/s  check/floor");
    let rate = |time: Duration| bytes as f64 / 1e6 / time.as_secs_f64();
    for threads in THREADS {
        let floor = best_of(|| floor(&files, threads))?;
        let check = best_of(|| check(&dir, threads))?;
        println!(
            "{threads:>7}  {:>10.1}  {:>10.1}  {:>10.2}x",
            rate(floor),
            rate(check),
            check.as_secs_f64() / floor.as_secs_f64()
        );
    }
    Ok(())
}

/// A fresh 10 MB corpus in Cargo's scratch directory for benches, so that `cargo bench` needs
/// no setup and never measures a corpus left by an older generator.
fn default_corpus() -> io::Result<PathBuf> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-corpus-10mb");
    if dir.exists() {
        fs::remove_dir_all(&dir)?;
    }
    let made = corpus::generate(&dir, DEFAULT_CORPUS_BYTES, DEFAULT_SEED)?;
    eprintln!(
        "generated {}: {} files, {} documents, {:.1} MB",
        dir.display(),
        made.files,
        made.documents,
        made.bytes as f64 / 1e6
    );
    Ok(dir)
}

/// The fastest of [`RUNS`] runs: on a shared machine noise only ever adds time.
fn best_of<T>(mut run: impl FnMut() -> io::Result<T>) -> io::Result<Duration> {
    let mut best = Duration::MAX;
    for _ in 0..RUNS {
        let start = Instant::now();
        black_box(run()?);
        best = best.min(start.elapsed());
    }
    Ok(best)
}

/// What `kubelint check DIR --format json --jobs N` does, without the process around it.
fn check(dir: &Path, threads: usize) -> io::Result<Report> {
    let inputs = walk(dir);
    let options = LintOptions {
        jobs: Some(threads),
        ..LintOptions::default()
    };
    let report = kubelint::lint(&inputs, None, &Config::default(), &options);
    kubelint::report::json::write(&report, &mut io::sink())?;
    Ok(report)
}

fn walk(dir: &Path) -> Vec<Input> {
    discover(&[dir.to_path_buf()], &WalkOptions::default()).inputs
}

/// Reads every file and runs the parser over it; returns the number of events.
fn floor(files: &[PathBuf], threads: usize) -> io::Result<usize> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(io::Error::other)?;
    pool.install(|| {
        files
            .par_iter()
            .map(|path| {
                // The pipeline does not parse a file that is not UTF-8 either.
                Ok(match String::from_utf8(fs::read(path)?) {
                    Ok(text) => kubelint::yaml::parse_floor(&text),
                    Err(_) => 0,
                })
            })
            .sum()
    })
}
