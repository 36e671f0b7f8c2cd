//! File discovery for `kubelint check [PATH ...]`.
//!
//! Turns the command-line paths into the list of inputs to lint. Directories are walked with
//! `ignore` (so `.gitignore`, `.ignore` and `.git/info/exclude` apply, even outside a git
//! repository, and hidden entries are skipped); files named explicitly are always read. The
//! result is sorted and de-duplicated so that the output never depends on the order in which
//! the file system lists a directory.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::{DirEntry, WalkBuilder};

/// File name extensions (compared case-insensitively) that a directory walk picks up.
const MANIFEST_EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// One thing to lint, in the order the caller should read them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// `-` on the command line: the caller reads standard input.
    Stdin,
    /// A file, spelled as given or as joined onto the directory argument it was found under.
    File(PathBuf),
}

/// How directories are walked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkOptions {
    /// Globs as written in the config file and `--exclude`, matched against the path relative
    /// to the directory argument and against the path as given; a matching directory is not
    /// entered.
    pub excludes: Vec<String>,
    /// Honour `.gitignore`, `.ignore`, `.git/info/exclude` and the global git excludes file.
    /// Hidden entries are skipped either way.
    pub respect_gitignore: bool,
}

impl Default for WalkOptions {
    /// Ignore files are respected unless the user opts out: that is what a user of git expects.
    fn default() -> Self {
        Self {
            excludes: Vec::new(),
            respect_gitignore: true,
        }
    }
}

/// A problem found while discovering files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WalkError {
    /// A path given on the command line does not exist.
    #[error("{path}: no such file or directory")]
    NotFound { path: PathBuf },
    /// An exclude glob does not parse.
    #[error("{glob}: invalid exclude glob: {message}")]
    BadGlob { glob: String, message: String },
    /// A path that could not be read or followed: a directory without permission, a symlink
    /// loop, a broken symlink, an unreadable ignore file.
    #[error("{path}: {message}")]
    Unreadable { path: PathBuf, message: String },
}

impl WalkError {
    /// Whether kubelint cannot do its job (exit code 2): a named path is missing or the exclude
    /// globs are wrong. Anything else is reported and the run goes on with the other files.
    pub fn is_fatal(&self) -> bool {
        matches!(self, Self::NotFound { .. } | Self::BadGlob { .. })
    }
}

/// The outcome of [`discover`]: what to lint, and what went wrong on the way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovered {
    /// [`Input::Stdin`] first (at most once), then the files sorted by the bytes of their path.
    pub inputs: Vec<Input>,
    /// Sorted by their message, without duplicates.
    pub errors: Vec<WalkError>,
}

/// Finds the inputs named by `paths` (`-` is standard input).
///
/// Directories are walked recursively for `*.yaml`, `*.yml` and `*.json` files; a file named
/// explicitly is returned whatever its extension and even if it is ignored or excluded, because
/// a user who names a file wants it linted. The same file reached twice (two arguments, or a
/// symlink and its target) is returned once, preferably under its own path.
///
/// When an exclude glob is invalid nothing is walked: the run is going to stop anyway.
pub fn discover(paths: &[PathBuf], options: &WalkOptions) -> Discovered {
    let excludes = match build_excludes(&options.excludes) {
        Ok(excludes) => Arc::new(excludes),
        Err(errors) => {
            return Discovered {
                inputs: Vec::new(),
                errors,
            };
        }
    };

    let entered_links = Arc::default();
    let mut stdin = false;
    // Tagged with the index of the argument they came from, which decides the spelling kept.
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for (index, path) in paths.iter().enumerate() {
        if path.as_os_str() == "-" {
            stdin = true;
            continue;
        }
        match fs::metadata(path) {
            Ok(metadata) if metadata.is_dir() => {
                let root = Root {
                    path: path.clone(),
                    excludes: Arc::clone(&excludes),
                    entered_links: Arc::clone(&entered_links),
                };
                let mut found = Vec::new();
                root.walk(options, &mut found, &mut errors);
                files.extend(found.into_iter().map(|file| (index, file)));
            }
            Ok(_) => files.push((index, path.clone())),
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                errors.push(WalkError::NotFound { path: path.clone() });
            }
            Err(err) => errors.push(WalkError::Unreadable {
                path: path.clone(),
                message: err.to_string(),
            }),
        }
    }

    let mut inputs: Vec<Input> = stdin.then_some(Input::Stdin).into_iter().collect();
    inputs.extend(sort_and_dedup(files).into_iter().map(Input::File));
    errors.sort_by_cached_key(ToString::to_string);
    errors.dedup();
    Discovered { inputs, errors }
}

/// Compiles the exclude globs, reporting every invalid one rather than only the first.
fn build_excludes(globs: &[String]) -> Result<GlobSet, Vec<WalkError>> {
    let mut builder = GlobSetBuilder::new();
    let mut errors = Vec::new();
    for glob in globs {
        match Glob::new(glob) {
            Ok(compiled) => {
                builder.add(compiled);
            }
            Err(err) => errors.push(WalkError::BadGlob {
                glob: glob.clone(),
                message: err.kind().to_string(),
            }),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    builder.build().map_err(|err| {
        vec![WalkError::BadGlob {
            glob: globs.join(", "),
            message: err.to_string(),
        }]
    })
}

/// Keeps one spelling of each file and sorts by the bytes of the path: the order a user sees
/// in the output, not `Path`'s component order. The spelling kept comes from the earliest
/// argument; within it, one that is the file's own path (no symlink or `..` on the way) is
/// preferred, then the one that sorts first.
fn sort_and_dedup(files: Vec<(usize, PathBuf)>) -> Vec<PathBuf> {
    // Spellings are grouped by the file they reach with one `stat` each; the costlier
    // `canonicalize` is only needed to choose among spellings of the same file.
    let mut groups: HashMap<FileIdentity, Vec<(usize, PathBuf)>> = HashMap::new();
    for (argument, path) in files {
        groups
            .entry(FileIdentity::of(&path))
            .or_default()
            .push((argument, path));
    }
    let mut unique: Vec<PathBuf> = groups
        .into_values()
        .filter_map(preferred_spelling)
        .collect();
    unique.sort_by(|a, b| by_bytes(a, b));
    unique
}

/// What makes two paths the same file.
#[derive(PartialEq, Eq, Hash)]
enum FileIdentity {
    #[cfg(unix)]
    Inode { device: u64, inode: u64 },
    /// The canonical path; a file without one (a pipe such as `/dev/fd/63`) is its own identity.
    Path(PathBuf),
}

impl FileIdentity {
    fn of(path: &Path) -> Self {
        #[cfg(unix)]
        if let Ok(metadata) = fs::metadata(path) {
            use std::os::unix::fs::MetadataExt;
            return FileIdentity::Inode {
                device: metadata.dev(),
                inode: metadata.ino(),
            };
        }
        FileIdentity::Path(fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
    }
}

fn preferred_spelling(spellings: Vec<(usize, PathBuf)>) -> Option<PathBuf> {
    if spellings.len() == 1 {
        return spellings.into_iter().next().map(|(_, path)| path);
    }
    spellings
        .into_iter()
        .map(|(argument, path)| {
            let canonical = fs::canonicalize(&path).ok();
            let indirect = canonical.is_none() || canonical != std::path::absolute(&path).ok();
            (argument, indirect, path)
        })
        .min_by(|a, b| {
            (a.0, a.1)
                .cmp(&(b.0, b.1))
                .then_with(|| by_bytes(&a.2, &b.2))
        })
        .map(|(_, _, path)| path)
}

fn by_bytes(a: &Path, b: &Path) -> Ordering {
    a.as_os_str()
        .as_encoded_bytes()
        .cmp(b.as_os_str().as_encoded_bytes())
}

fn is_manifest(path: &Path) -> bool {
    path.extension().and_then(OsStr::to_str).is_some_and(|ext| {
        MANIFEST_EXTENSIONS
            .iter()
            .any(|m| ext.eq_ignore_ascii_case(m))
    })
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|name| name.as_encoded_bytes().starts_with(b"."))
}

/// A directory argument being walked, with what it needs to judge the entries under it.
#[derive(Clone)]
struct Root {
    path: PathBuf,
    excludes: Arc<GlobSet>,
    /// Canonical targets of the directory symlinks entered so far, shared by all arguments.
    entered_links: Arc<Mutex<HashSet<PathBuf>>>,
}

impl Root {
    fn walk(&self, options: &WalkOptions, files: &mut Vec<PathBuf>, errors: &mut Vec<WalkError>) {
        let mut builder = WalkBuilder::new(&self.path);
        // Following links makes symlinked manifest directories work; walkdir underneath
        // detects loops (an ancestor reached again) and reports them instead of recursing.
        builder
            .follow_links(true)
            .require_git(false)
            // Which spelling of a linked tree is walked must not depend on directory order.
            .sort_by_file_name(Ord::cmp);
        if !options.respect_gitignore {
            builder
                .ignore(false)
                .git_ignore(false)
                .git_global(false)
                .git_exclude(false)
                .parents(false);
        }
        let filter = self.clone();
        builder.filter_entry(move |entry| filter.admits(entry));

        for result in builder.build() {
            match result {
                Ok(entry) => {
                    // Errors attached to an entry come from its ignore files.
                    if let Some(err) = entry.error() {
                        self.report(err, None, errors);
                    }
                    let is_file = entry.file_type().is_some_and(|t| t.is_file());
                    if is_file && is_manifest(entry.path()) {
                        files.push(self.display(entry.path()));
                    }
                }
                Err(err) => self.report(&err, None, errors),
            }
        }
    }

    /// Whether the walk takes `entry` (and, for a directory, goes into it): not excluded, and
    /// not a directory symlink whose target was already entered through another link. Entering
    /// each linked tree once keeps the walk linear when links lead to links, which can
    /// otherwise multiply the paths exponentially; the files under it are the same ones.
    fn admits(&self, entry: &DirEntry) -> bool {
        let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
        if self.is_excluded(entry.path(), is_dir) {
            return false;
        }
        if !(is_dir && entry.path_is_symlink()) {
            return true;
        }
        let Ok(target) = fs::canonicalize(entry.path()) else {
            return true;
        };
        let mut entered = self
            .entered_links
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        entered.insert(target)
    }

    /// Matches `path` against the excludes both relative to the root (`vendor/**`) and as
    /// spelled (`**/charts/**`, `deploy/vendor/**`). A directory is also tried with a trailing
    /// `/`, so that `vendor/**` prunes `vendor` itself instead of each entry inside it.
    fn is_excluded(&self, path: &Path, is_dir: bool) -> bool {
        if self.excludes.is_empty() {
            return false;
        }
        let relative = path.strip_prefix(&self.path).unwrap_or(path);
        let spelled = path.strip_prefix(".").unwrap_or(path);
        [relative, spelled].into_iter().any(|candidate| {
            self.excludes.is_match(candidate)
                || (is_dir && self.excludes.is_match(with_slash(candidate)))
        })
    }

    /// Whether the walk would have skipped `path` had it been readable. walkdir reports loops
    /// and broken links before `ignore` applies its filters, so they are applied here.
    fn would_skip(&self, path: &Path) -> bool {
        path != self.path && (is_hidden(path) || self.is_excluded(path, true))
    }

    /// Drops the `./` that joining onto the implicit `.` argument adds: `testdata/x.yaml`,
    /// not `./testdata/x.yaml`. Other spellings are kept as given.
    fn display(&self, path: &Path) -> PathBuf {
        if self.path == Path::new(".") {
            path.strip_prefix(".").unwrap_or(path).to_path_buf()
        } else {
            path.to_path_buf()
        }
    }

    /// Turns an `ignore` error into [`WalkError`]s naming the path concerned (`path` is the
    /// innermost path seen so far while unwrapping).
    fn report(&self, err: &ignore::Error, path: Option<&Path>, out: &mut Vec<WalkError>) {
        let unreadable = |path: &Path, message: String| WalkError::Unreadable {
            path: self.display(path),
            message,
        };
        match err {
            ignore::Error::Partial(errs) => {
                for err in errs {
                    self.report(err, path, out);
                }
            }
            ignore::Error::WithPath { path, err } => self.report(err, Some(path), out),
            ignore::Error::WithDepth { err, .. } => self.report(err, path, out),
            ignore::Error::Loop { child, .. } => {
                if !self.would_skip(child) {
                    out.push(unreadable(child, "symlink loop".to_owned()));
                }
            }
            ignore::Error::Io(io) => {
                let path = path.unwrap_or(&self.path);
                let is_symlink = fs::symlink_metadata(path).is_ok_and(|m| m.is_symlink());
                if io.kind() == io::ErrorKind::NotFound && is_symlink {
                    // Only a link that would have been linted is worth a word.
                    if is_manifest(path) && !self.would_skip(path) {
                        out.push(unreadable(path, "broken symlink".to_owned()));
                    }
                } else {
                    out.push(unreadable(path, innermost_message(io)));
                }
            }
            other => out.push(unreadable(path.unwrap_or(&self.path), other.to_string())),
        }
    }
}

fn with_slash(path: &Path) -> PathBuf {
    let mut dir = path.as_os_str().to_owned();
    dir.push("/");
    dir.into()
}

/// walkdir wraps the OS error in its own, whose message repeats the path; the innermost
/// source is the plain OS message (`Permission denied (os error 13)`).
fn innermost_message(err: &io::Error) -> String {
    let mut innermost: &dyn std::error::Error = err;
    while let Some(source) = innermost.source() {
        innermost = source;
    }
    innermost.to_string()
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::{PermissionsExt, symlink};
    use std::sync::mpsc;
    use std::thread;
    use std::time::Duration;

    use tempfile::TempDir;

    use super::*;

    /// A temporary tree with the given (empty) files; parent directories are created.
    fn tree(files: &[&str]) -> TempDir {
        let dir = TempDir::new().expect("create temp dir");
        for file in files {
            let path = dir.path().join(file);
            fs::create_dir_all(path.parent().expect("file has a parent")).expect("create dirs");
            fs::write(&path, "").expect("write file");
        }
        dir
    }

    fn options(excludes: &[&str]) -> WalkOptions {
        WalkOptions {
            excludes: excludes.iter().map(|glob| (*glob).to_owned()).collect(),
            ..WalkOptions::default()
        }
    }

    /// A `Root` outside of a walk, to test its judgements directly.
    fn root(path: &str, excludes: &[&str]) -> Root {
        let globs: Vec<String> = excludes.iter().map(|glob| (*glob).to_owned()).collect();
        Root {
            path: PathBuf::from(path),
            excludes: Arc::new(build_excludes(&globs).expect("valid globs")),
            entered_links: Arc::default(),
        }
    }

    /// The inputs, with files relative to `base` so that assertions read well.
    fn names(found: &Discovered, base: &Path) -> Vec<String> {
        found
            .inputs
            .iter()
            .map(|input| match input {
                Input::Stdin => "-".to_owned(),
                Input::File(path) => path
                    .strip_prefix(base)
                    .unwrap_or(path)
                    .to_string_lossy()
                    .into_owned(),
            })
            .collect()
    }

    #[test]
    fn walks_nested_directories_for_manifests_only() {
        let dir = tree(&[
            "a.yaml",
            "b/c.yml",
            "b/d/e.json",
            "b/d/f.txt",
            "g.YAML",
            "README.md",
            ".hidden/x.yaml",
            ".h.yaml",
        ]);
        let found = discover(&[dir.path().to_path_buf()], &WalkOptions::default());
        assert_eq!(
            names(&found, dir.path()),
            ["a.yaml", "b/c.yml", "b/d/e.json", "g.YAML"]
        );
        assert_eq!(found.errors, []);
    }

    #[test]
    fn ignore_files_are_honoured_outside_a_git_repository() {
        let dir = tree(&["generated/x.yaml", "skip.yaml", "other.yaml", "keep.yaml"]);
        fs::write(dir.path().join(".gitignore"), "generated/\nskip.yaml\n").expect("write");
        fs::write(dir.path().join(".ignore"), "other.yaml\n").expect("write");
        let root = dir.path().to_path_buf();

        let found = discover(std::slice::from_ref(&root), &WalkOptions::default());
        assert_eq!(names(&found, dir.path()), ["keep.yaml"]);

        let no_ignore = WalkOptions {
            respect_gitignore: false,
            ..WalkOptions::default()
        };
        let found = discover(&[root], &no_ignore);
        assert_eq!(
            names(&found, dir.path()),
            ["generated/x.yaml", "keep.yaml", "other.yaml", "skip.yaml"]
        );
    }

    #[test]
    fn excludes_match_relative_and_spelled_paths() {
        let dir = tree(&["vendor/a.yaml", "app/charts/b.yaml", "app/c.yaml"]);
        let found = discover(
            &[dir.path().to_path_buf()],
            &options(&["vendor/**", "**/charts/**"]),
        );
        assert_eq!(names(&found, dir.path()), ["app/c.yaml"]);
        assert_eq!(found.errors, []);
    }

    #[test]
    fn excluded_directories_are_pruned_not_just_filtered() {
        let root = root("deploy", &["vendor/**"]);
        // The directory itself matches, so the walk never descends into it.
        assert!(root.is_excluded(Path::new("deploy/vendor"), true));
        assert!(!root.is_excluded(Path::new("deploy/vendor"), false));
        assert!(!root.is_excluded(Path::new("deploy/vendored"), true));

        // Observable: the ignore file of a pruned directory is never read, so its bad line
        // is never reported.
        let dir = tree(&["vendor/a.yaml", "keep.yaml"]);
        fs::write(dir.path().join("vendor/.gitignore"), "[z-a]\n").expect("write");
        let found = discover(&[dir.path().to_path_buf()], &options(&["vendor/**"]));
        assert_eq!(names(&found, dir.path()), ["keep.yaml"]);
        assert_eq!(found.errors, []);
        // ...whereas walking it reports the line, as a non-fatal error naming the file.
        let found = discover(&[dir.path().to_path_buf()], &WalkOptions::default());
        assert_eq!(names(&found, dir.path()), ["keep.yaml", "vendor/a.yaml"]);
        let [WalkError::Unreadable { path, message }] = found.errors.as_slice() else {
            panic!("expected one Unreadable error, got {:?}", found.errors);
        };
        assert_eq!(path, &dir.path().join("vendor/.gitignore"));
        assert!(message.starts_with("line 1: "), "{message}");
    }

    #[test]
    fn explicit_files_are_always_read() {
        let dir = tree(&["vendor/a.yaml", "notes.txt", "ignored.yaml", "keep.yaml"]);
        fs::write(dir.path().join(".gitignore"), "ignored.yaml\n").expect("write");
        let paths = [
            dir.path().join("vendor/a.yaml"),
            dir.path().join("notes.txt"),
            dir.path().join("ignored.yaml"),
            dir.path().to_path_buf(),
        ];
        let found = discover(&paths, &options(&["vendor/**", "**/vendor/**"]));
        assert_eq!(
            names(&found, dir.path()),
            ["ignored.yaml", "keep.yaml", "notes.txt", "vendor/a.yaml"]
        );
    }

    #[test]
    fn missing_explicit_path_is_fatal() {
        let dir = tree(&["a.yaml"]);
        let missing = dir.path().join("nope.yaml");
        let found = discover(
            &[missing.clone(), dir.path().to_path_buf()],
            &WalkOptions::default(),
        );
        assert_eq!(names(&found, dir.path()), ["a.yaml"]);
        assert_eq!(
            found.errors,
            [WalkError::NotFound {
                path: missing.clone()
            }]
        );
        assert!(found.errors[0].is_fatal());
        assert_eq!(
            found.errors[0].to_string(),
            format!("{}: no such file or directory", missing.display())
        );
    }

    #[test]
    fn output_is_sorted_by_bytes_and_deduplicated() {
        let dir = tree(&["a/b.yaml", "a-b.yaml", "a/c.yaml"]);
        symlink("a-b.yaml", dir.path().join("z-link.yaml")).expect("symlink");
        let paths = [
            dir.path().to_path_buf(),
            dir.path().join("a/c.yaml"),
            dir.path().to_path_buf(),
            dir.path().join("a/.."),
        ];
        let found = discover(&paths, &WalkOptions::default());
        // '-' (0x2d) sorts before '/' (0x2f); `Path`'s component order would put `a/…` first.
        // The link and the `a/..` spelling are the same files and appear once, under their own
        // paths.
        assert_eq!(
            names(&found, dir.path()),
            ["a-b.yaml", "a/b.yaml", "a/c.yaml"]
        );
    }

    #[test]
    fn symlinked_directories_are_followed() {
        let dir = tree(&["real/x.yaml", "tree/y.yaml"]);
        symlink("../real", dir.path().join("tree/linked")).expect("symlink");
        let found = discover(&[dir.path().join("tree")], &WalkOptions::default());
        assert_eq!(
            names(&found, &dir.path().join("tree")),
            ["linked/x.yaml", "y.yaml"]
        );
        // When the target is in the walk too, the file keeps its own path.
        let found = discover(&[dir.path().to_path_buf()], &WalkOptions::default());
        assert_eq!(names(&found, dir.path()), ["real/x.yaml", "tree/y.yaml"]);
    }

    #[test]
    fn links_leading_to_links_do_not_multiply_the_walk() {
        // d0/{l1,l2} -> d1, d1/{l1,l2} -> d2, …: 2^LEVELS paths if every link were entered.
        const LEVELS: usize = 32;
        let expected: Vec<String> = (0..=LEVELS).map(|i| format!("d{i:02}/a.yaml")).collect();
        let files: Vec<&str> = expected.iter().map(String::as_str).collect();
        let dir = tree(&files);
        for i in 0..LEVELS {
            for link in ["l1", "l2"] {
                let target = format!("../d{:02}", i + 1);
                symlink(target, dir.path().join(format!("d{i:02}/{link}"))).expect("symlink");
            }
        }
        let root = dir.path().to_path_buf();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let _ = tx.send(discover(&[root], &WalkOptions::default()));
        });
        let found = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("discover walked every path through the links");
        assert_eq!(names(&found, dir.path()), expected);
        assert_eq!(found.errors, []);
    }

    #[test]
    fn symlink_loop_is_reported_without_hanging() {
        let dir = tree(&["a.yaml", "sub/b.yaml"]);
        symlink("..", dir.path().join("sub/loop")).expect("symlink");
        let root = dir.path().to_path_buf();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let _ = tx.send(discover(&[root], &WalkOptions::default()));
        });
        let found = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("discover hung on a symlink loop");
        assert_eq!(names(&found, dir.path()), ["a.yaml", "sub/b.yaml"]);
        let loop_path = dir.path().join("sub/loop");
        assert_eq!(
            found.errors,
            [WalkError::Unreadable {
                path: loop_path.clone(),
                message: "symlink loop".to_owned()
            }]
        );
        assert!(!found.errors[0].is_fatal());
        assert_eq!(
            found.errors[0].to_string(),
            format!("{}: symlink loop", loop_path.display())
        );
    }

    #[test]
    fn broken_manifest_symlink_is_reported() {
        let dir = tree(&["a.yaml"]);
        symlink("missing.yaml", dir.path().join("broken.yaml")).expect("symlink");
        // Links that would not have been linted anyway are not worth an error.
        symlink("missing", dir.path().join("broken-bin")).expect("symlink");
        symlink("missing.yaml", dir.path().join(".hidden.yaml")).expect("symlink");
        let found = discover(&[dir.path().to_path_buf()], &WalkOptions::default());
        assert_eq!(names(&found, dir.path()), ["a.yaml"]);
        assert_eq!(
            found.errors,
            [WalkError::Unreadable {
                path: dir.path().join("broken.yaml"),
                message: "broken symlink".to_owned()
            }]
        );
        assert!(!found.errors[0].is_fatal());
    }

    #[test]
    fn unreadable_directory_is_reported_and_the_walk_goes_on() {
        let dir = tree(&["a.yaml", "locked/b.yaml"]);
        let locked = dir.path().join("locked");
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).expect("chmod");
        let readable_anyway = fs::read_dir(&locked).is_ok();
        let found = discover(&[dir.path().to_path_buf()], &WalkOptions::default());
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).expect("chmod back");
        if readable_anyway {
            // Running as root: permissions do not restrict reading, nothing to observe.
            eprintln!("skipped: {} is readable despite mode 000", locked.display());
            return;
        }
        assert_eq!(names(&found, dir.path()), ["a.yaml"]);
        assert_eq!(found.errors.len(), 1, "{:?}", found.errors);
        let WalkError::Unreadable { path, message } = &found.errors[0] else {
            panic!("expected Unreadable, got {:?}", found.errors[0]);
        };
        assert_eq!(path, &locked);
        assert!(message.contains("ermission denied"), "{message}");
        assert!(!found.errors[0].is_fatal());
    }

    #[test]
    fn dash_is_stdin_once_and_first() {
        let dir = tree(&["a.yaml"]);
        let paths = [
            dir.path().to_path_buf(),
            PathBuf::from("-"),
            PathBuf::from("-"),
        ];
        let found = discover(&paths, &WalkOptions::default());
        assert_eq!(found.inputs[0], Input::Stdin);
        assert_eq!(names(&found, dir.path()), ["-", "a.yaml"]);
    }

    #[test]
    fn invalid_glob_is_fatal() {
        let dir = tree(&["a.yaml"]);
        let found = discover(
            &[dir.path().to_path_buf()],
            &options(&["ok/**", "bad[", "{x"]),
        );
        assert!(found.inputs.is_empty());
        assert_eq!(found.errors.len(), 2, "{:?}", found.errors);
        assert!(found.errors.iter().all(WalkError::is_fatal));
        assert!(
            found.errors[0]
                .to_string()
                .starts_with("bad[: invalid exclude glob: "),
            "{}",
            found.errors[0]
        );
    }

    #[test]
    fn implicit_dot_is_not_spelled() {
        assert_eq!(
            root(".", &[]).display(Path::new("./testdata/x.yaml")),
            Path::new("testdata/x.yaml")
        );
        assert_eq!(
            root("./deploy", &[]).display(Path::new("./deploy/x.yaml")),
            Path::new("./deploy/x.yaml")
        );
    }
}
