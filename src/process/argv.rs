//! What a container runs (SEMANTICS.md §0.10): `command ++ args` after Kubernetes' `$(VAR)`
//! expansion, unwrapped — init wrappers (tini, dumb-init), `env NAME=V`, `exec`, tracing and
//! environment runners (ddtrace-run, opentelemetry-instrument, newrelic-admin, uv/poetry/
//! pipenv/pdm/conda run), shells (`sh -c "…"` split by [`super::shell`]) and `python -m` —
//! into the simple commands the container starts. Every word remembers the `command`/`args`
//! element it came from and, where it can, its byte range inside that element.

use std::collections::HashMap;
use std::ops::Range;

use super::env::{EnvValue, EnvVar, Environment, Expanded, Lookup, Replacement};
use super::shell::{self, Piece, Word};
use super::text::SourceText;

/// Which list of the container an element is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Command,
    Args,
}

impl Field {
    pub fn key(self) -> &'static str {
        match self {
            Field::Command => "command",
            Field::Args => "args",
        }
    }
}

/// Where a word of the process's argv is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub field: Field,
    /// The element's index in `command` or `args`.
    pub index: usize,
    /// Bytes of the element's value that hold the word; `None` when the word cannot be
    /// placed more precisely than the element (after `$(VAR)` expansion changed it).
    pub range: Option<Range<usize>>,
}

/// One word of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    /// The word as the process receives it; `None` when it depends on something kubelint
    /// cannot know (an unknown variable, `$(nproc)`, arithmetic).
    pub value: Option<String>,
    /// The word as written (in a script: quotes and expansions included).
    pub written: String,
    pub origin: Origin,
    /// The command substitutions and arithmetic expressions the value depends on, as written
    /// (`nproc`, `2 * $(nproc) + 1`), directly or through variables the script set.
    pub dynamic: Vec<String>,
    /// How bytes of `value` map to bytes of the element.
    positions: Positions,
}

/// How the bytes of a word's value relate to its element's written text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Positions {
    /// The word is the element: offsets map through Kubernetes' `$(VAR)` replacements.
    Element(Vec<Replacement>),
    /// The value is written verbatim `n` bytes into the word's range (`n` = 1 for a simply
    /// quoted word).
    Shifted(usize),
    /// Quote removal or expansions moved the bytes: only the whole word can be placed.
    Moved,
}

impl Arg {
    /// The word's value when known.
    pub fn known(&self) -> Option<&str> {
        self.value.as_deref()
    }

    /// The bytes of the element that hold this word as written from byte `from` on (the value
    /// of `NAME=value`), when the word is written verbatim; else the whole word.
    fn element_range_of_written(&self, from: usize) -> Option<Range<usize>> {
        let word = self.origin.range.clone()?;
        Some((word.start + from).min(word.end)..word.end)
    }

    /// The bytes of the element that hold the bytes `range` of this word's value.
    pub fn element_range(&self, range: Range<usize>) -> Option<Range<usize>> {
        let word = self.origin.range.clone()?;
        match &self.positions {
            Positions::Element(replacements) => Some(
                Expanded {
                    text: String::new(),
                    complete: true,
                    replacements: replacements.clone(),
                }
                .written_range(range),
            ),
            Positions::Shifted(n) => {
                let start = word.start + n + range.start;
                let end = word.start + n + range.end;
                (end <= word.end).then_some(start..end)
            }
            Positions::Moved => Some(word),
        }
    }
}

/// A variable set for one command (`NAME=V cmd`, `env NAME=V cmd`) or by an earlier command of
/// the same script (`export NAME=V`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub name: String,
    pub value: Arg,
}

/// One simple command the container runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleCommand {
    /// The program: the basename of the first word (`gunicorn` for `/opt/venv/bin/gunicorn`),
    /// the module for `python -m module` (`gunicorn`, `uvicorn.main`), empty when unknown.
    pub program: String,
    /// The words from the program on: `words[0]` names the program (the module word for
    /// `python -m`), the rest are its arguments.
    pub words: Vec<Arg>,
    /// Variables set for this command by the script or a wrapper.
    pub assignments: Vec<Assignment>,
    /// Wrappers stripped to reach the program, outermost first (`tini`, `sh`, `exec`, `python`).
    pub wrappers: Vec<String>,
    /// Run with `python -m`.
    pub python_module: bool,
    /// Replaces the shell (`exec`), or is the container's argv itself.
    pub exec: bool,
    /// Part of a shell script.
    pub in_shell: bool,
    /// May not run, or run more than once (`if`, loops, `&&`, `||`, background).
    pub conditional: bool,
    /// The script's control flow hides what runs with which values (here-documents, `if`,
    /// `case`, loops, `eval`): treat its values as unknown.
    pub opaque: bool,
}

impl SimpleCommand {
    /// The arguments after the program word.
    pub fn args(&self) -> &[Arg] {
        self.words.get(1..).unwrap_or_default()
    }

    /// A variable set for this command, by name (the last assignment wins).
    pub fn assignment(&self, name: &str) -> Option<&Assignment> {
        self.assignments.iter().rev().find(|a| a.name == name)
    }

    /// The last occurrence of an option among the arguments, in any of the forms getopt and
    /// argparse accept: `-w 4`, `-w4`, `--workers 4`, `--workers=4`. `short` and `long` are
    /// written with their dashes. Abbreviated long options are not recognised.
    pub fn option(&self, short: &[&str], long: &[&str]) -> Option<OptionValue<'_>> {
        let args = self.args();
        let mut found = None;
        for (i, arg) in args.iter().enumerate() {
            let Some(word) = arg.known() else { continue };
            if word == "--" {
                break;
            }
            let separate = || OptionValue {
                option: arg,
                arg: args.get(i + 1),
                offset: 0,
            };
            if short.contains(&word) || long.contains(&word) {
                found = Some(separate());
            } else if let Some(name) = long.iter().find(|l| {
                word.strip_prefix(**l)
                    .is_some_and(|rest| rest.starts_with('='))
            }) {
                found = Some(OptionValue {
                    option: arg,
                    arg: Some(arg),
                    offset: name.len() + 1,
                });
            } else if let Some(name) = short
                .iter()
                .find(|s| word.len() > s.len() && word.starts_with(**s) && !word.starts_with("--"))
            {
                found = Some(OptionValue {
                    option: arg,
                    arg: Some(arg),
                    offset: name.len(),
                });
            }
        }
        found
    }

    /// Whether any argument is exactly `word`.
    pub fn has_arg(&self, word: &str) -> bool {
        self.args().iter().any(|a| a.known() == Some(word))
    }
}

/// An option found by [`SimpleCommand::option`].
#[derive(Debug, Clone, Copy)]
pub struct OptionValue<'c> {
    /// The word naming the option.
    pub option: &'c Arg,
    /// The word holding the value (the option's own word for `--opt=v` and `-ov`); `None`
    /// when the option is the last word.
    pub arg: Option<&'c Arg>,
    /// Where the value starts in `arg`'s value.
    pub offset: usize,
}

impl OptionValue<'_> {
    /// The value, when known.
    pub fn value(&self) -> Option<&str> {
        self.arg?.known()?.get(self.offset..)
    }

    /// The value as written, for messages (`$(nproc)`).
    pub fn written(&self) -> &str {
        match self.arg {
            Some(arg) if self.offset == 0 => &arg.written,
            Some(arg) => arg
                .written
                .get(self.offset..)
                .unwrap_or(arg.written.as_str()),
            None => "",
        }
    }

    /// The value as a whole number.
    pub fn int(&self) -> Option<i64> {
        self.value()?.trim().parse().ok()
    }

    /// Where the value is written (the option when there is no value).
    pub fn origin(&self) -> Origin {
        match self.arg {
            Some(arg) if arg.known().is_some() => {
                let len = arg.known().map_or(0, str::len);
                let mut origin = arg.origin.clone();
                origin.range = arg.element_range(self.offset.min(len)..len);
                origin
            }
            Some(arg) => arg.origin.clone(),
            None => self.option.origin.clone(),
        }
    }

    /// The value's command substitutions and arithmetic (see [`Arg::dynamic`]).
    pub fn dynamic(&self) -> &[String] {
        self.arg.map_or(&[], |a| a.dynamic.as_slice())
    }
}

/// How the argv was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entrypoint {
    /// `command` is written: it replaces the image's entrypoint.
    Command,
    /// No `command`, but `args[0]` names a known program: images such as
    /// ghcr.io/benoitc/gunicorn have an entrypoint that `exec`s its arguments, so the
    /// arguments are probably the command (medium confidence).
    ArgsOnly,
    /// No `command` and no recognisable `args`: the image decides what runs.
    Image,
}

/// The simple commands of a container, in the order they run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commands {
    pub list: Vec<SimpleCommand>,
    pub entrypoint: Entrypoint,
}

impl Commands {
    /// The container's main process: the first command that replaces the shell (`exec`)
    /// unconditionally, else the last command.
    pub fn main(&self) -> Option<&SimpleCommand> {
        self.list
            .iter()
            .find(|c| c.exec && !c.conditional && c.in_shell)
            .or_else(|| self.list.last())
    }

    /// Every command running `program` (its basename, or the module of `python -m`).
    pub fn running<'c>(&'c self, program: &'c str) -> impl Iterator<Item = &'c SimpleCommand> {
        self.list.iter().filter(move |c| c.program == program)
    }
}

/// Programs that `args` alone may name when the image's entrypoint `exec`s its arguments.
const KNOWN_PROGRAMS: &[&str] = &[
    "gunicorn",
    "uvicorn",
    "celery",
    "uwsgi",
    "hypercorn",
    "daphne",
    "sh",
    "bash",
    "dash",
    "ash",
    "zsh",
    "ksh",
    "tini",
    "dumb-init",
    "env",
    "exec",
    "ddtrace-run",
    "opentelemetry-instrument",
    "newrelic-admin",
    "uv",
    "poetry",
    "pipenv",
    "pdm",
    "jupyter",
    "jupyter-lab",
    "torchrun",
    "ray",
    "dask-worker",
    "dask",
    "accelerate",
    "deepspeed",
    "vllm",
    "text-generation-launcher",
    "tritonserver",
    "streamlit",
    "mlflow",
    "airflow",
    "flask",
    "django-admin",
];

const SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox"];

/// Nested `sh -c` levels followed; deeper scripts are not unwrapped.
const MAX_DEPTH: usize = 8;

/// Commands kept per container; a generated script longer than this is cut short.
const MAX_COMMANDS: usize = 512;

/// The final path component of a program word.
pub fn basename(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// `python`, `python3`, `python3.12`, `pypy3`, `python3.12d`.
pub fn is_python(program: &str) -> bool {
    let rest = program
        .strip_prefix("python")
        .or_else(|| program.strip_prefix("pypy"));
    rest.is_some_and(|r| {
        r.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == 'd' || c == 'm')
    })
}

/// Resolves the commands of a container from its `command` and `args` elements and its
/// environment.
pub fn resolve(command: &[SourceText], args: &[SourceText], env: &Environment) -> Commands {
    let element = |field: Field| {
        move |(index, text): (usize, &SourceText)| {
            let expanded = env.expand(&text.value);
            Arg {
                value: expanded.complete.then(|| expanded.text.clone()),
                written: text.value.clone(),
                origin: Origin {
                    field,
                    index,
                    range: Some(0..text.value.len()),
                },
                dynamic: Vec::new(),
                positions: Positions::Element(expanded.replacements),
            }
        }
    };
    let mut argv: Vec<Arg> = command
        .iter()
        .enumerate()
        .map(element(Field::Command))
        .collect();
    let entrypoint = if !argv.is_empty() {
        Entrypoint::Command
    } else {
        let first = args.first().map(|a| basename(a.value.trim()));
        if first.is_some_and(|p| KNOWN_PROGRAMS.contains(&p) || is_python(p)) {
            Entrypoint::ArgsOnly
        } else {
            Entrypoint::Image
        }
    };
    if entrypoint == Entrypoint::Image {
        return Commands {
            list: Vec::new(),
            entrypoint,
        };
    }
    argv.extend(args.iter().enumerate().map(element(Field::Args)));
    let mut unwrapper = Unwrapper {
        env,
        out: Vec::new(),
    };
    unwrapper.unwrap(
        argv,
        Context {
            exec: true,
            ..Context::default()
        },
        0,
    );
    Commands {
        list: unwrapper.out,
        entrypoint,
    }
}

/// What the words being unwrapped inherit from where they were found.
#[derive(Debug, Clone, Default)]
struct Context {
    assignments: Vec<Assignment>,
    wrappers: Vec<String>,
    python_module: bool,
    exec: bool,
    in_shell: bool,
    conditional: bool,
    opaque: bool,
}

struct Unwrapper<'e> {
    env: &'e Environment,
    out: Vec<SimpleCommand>,
}

/// Options of `uv run` that take a value.
const UV_RUN_VALUE_OPTIONS: &[&str] = &[
    "--with",
    "--with-editable",
    "--with-requirements",
    "--project",
    "--directory",
    "--python",
    "-p",
    "--package",
    "--env-file",
    "--group",
    "--extra",
    "--index",
    "--default-index",
    "--index-url",
    "--extra-index-url",
    "--find-links",
    "-f",
    "--config-file",
    "--cache-dir",
    "-w",
    "--only-group",
    "--no-group",
    "--script",
    "-s",
];

impl Unwrapper<'_> {
    fn push(&mut self, words: Vec<Arg>, cx: Context) {
        if self.out.len() >= MAX_COMMANDS || words.is_empty() {
            return;
        }
        let program = match words.first().and_then(Arg::known) {
            Some(word) if cx.python_module => word.to_string(),
            Some(word) => basename(word).to_string(),
            None => String::new(),
        };
        self.out.push(SimpleCommand {
            program,
            words,
            assignments: cx.assignments,
            wrappers: cx.wrappers,
            python_module: cx.python_module,
            exec: cx.exec,
            in_shell: cx.in_shell,
            conditional: cx.conditional,
            opaque: cx.opaque,
        });
    }

    fn unwrap(&mut self, mut words: Vec<Arg>, mut cx: Context, depth: usize) {
        loop {
            let Some(program) = words
                .first()
                .and_then(Arg::known)
                .map(|w| basename(w).to_string())
            else {
                return self.push(words, cx);
            };
            let word = |i: usize| words.get(i).and_then(Arg::known);
            // How many leading words are the wrapper (and its options); 0 = not a wrapper.
            let skip = match program.as_str() {
                "exec" => {
                    cx.exec = true;
                    let mut i = 1;
                    while let Some(option) = word(i).filter(|w| w.starts_with('-')) {
                        i += if option == "-a" { 2 } else { 1 };
                        if option == "--" {
                            break;
                        }
                    }
                    i
                }
                "tini" | "tini-static" | "dumb-init" => {
                    let mut i = 1;
                    while let Some(option) = word(i).filter(|w| w.starts_with('-')) {
                        i += 1;
                        if option == "--" {
                            break;
                        }
                        if matches!(option, "-p" | "-e" | "-r" | "--rewrite") {
                            i += 1;
                        }
                    }
                    i
                }
                "env" => {
                    let mut i = 1;
                    while let Some(w) = word(i) {
                        if matches!(w, "-u" | "-C" | "--unset" | "--chdir") {
                            i += 2;
                        } else if w == "-S" || w.starts_with("--split-string") {
                            // `env -S "a b"` splits its argument into words.
                            break;
                        } else if w.starts_with('-') {
                            i += 1;
                        } else if let Some((name, value)) =
                            w.split_once('=').filter(|(n, _)| shell::is_name(n))
                        {
                            let mut value_arg = words[i].clone();
                            value_arg.value = Some(value.to_string());
                            value_arg.origin.range =
                                words[i].element_range(name.len() + 1..w.len());
                            value_arg.positions = Positions::Moved;
                            cx.assignments.push(Assignment {
                                name: name.to_string(),
                                value: value_arg,
                            });
                            i += 1;
                        } else {
                            break;
                        }
                    }
                    i
                }
                "nice" => match word(1) {
                    Some("-n") => 3,
                    Some(w) if w.starts_with('-') => 2,
                    _ => 1,
                },
                "timeout" => {
                    let mut i = 1;
                    while let Some(option) = word(i).filter(|w| w.starts_with('-')) {
                        i += if matches!(option, "-s" | "-k") { 2 } else { 1 };
                    }
                    i + 1
                }
                "gosu" | "su-exec" => 2,
                "setpriv" => match words.iter().position(|w| w.known() == Some("--")) {
                    Some(end) => end + 1,
                    None => {
                        let mut i = 1;
                        while word(i).is_some_and(|w| w.starts_with('-')) {
                            i += 1;
                        }
                        i
                    }
                },
                "ddtrace-run" => 1,
                "opentelemetry-instrument" => {
                    let mut i = 1;
                    while let Some(option) = word(i).filter(|w| w.starts_with("--")) {
                        i += if option.contains('=') { 1 } else { 2 };
                    }
                    i
                }
                "newrelic-admin" => match word(1) {
                    Some("run-program") => 2,
                    Some("run-python") => {
                        // `newrelic-admin run-python app.py` runs the Python interpreter.
                        cx.wrappers.push(program.clone());
                        words.remove(0);
                        if let Some(first) = words.first_mut() {
                            first.value = Some("python".to_string());
                        }
                        continue;
                    }
                    _ => 0,
                },
                "uv" | "poetry" | "pipenv" | "pdm" | "hatch" | "rye" => match word(1) {
                    Some("run") => {
                        let mut i = 2;
                        while let Some(option) = word(i).filter(|w| w.starts_with('-')) {
                            i += 1;
                            if option == "--" {
                                break;
                            }
                            if UV_RUN_VALUE_OPTIONS.contains(&option) {
                                i += 1;
                            }
                        }
                        i
                    }
                    _ => 0,
                },
                "conda" | "mamba" | "micromamba" => match word(1) {
                    Some("run") => {
                        let mut i = 2;
                        while let Some(option) = word(i).filter(|w| w.starts_with('-')) {
                            i += 1;
                            if matches!(option, "-n" | "--name" | "-p" | "--prefix" | "--cwd") {
                                i += 1;
                            }
                        }
                        i
                    }
                    _ => 0,
                },
                shell if SHELLS.contains(&shell) => {
                    return self.shell(words, cx, depth);
                }
                python if is_python(python) => {
                    return self.python(words, cx);
                }
                _ => 0,
            };
            if skip == 0 {
                return self.push(words, cx);
            }
            cx.wrappers.push(program);
            if skip >= words.len() {
                return;
            }
            words.drain(..skip);
        }
    }

    /// `python [options] -m module args…`: the module is the program.
    fn python(&mut self, words: Vec<Arg>, mut cx: Context) {
        let mut i = 1;
        while let Some(option) = words.get(i).and_then(Arg::known).map(str::to_string) {
            if option == "-m" || (option.starts_with("-m") && !option.starts_with("--")) {
                let mut rest = words;
                cx.wrappers
                    .push(basename(rest[0].known().unwrap_or_default()).to_string());
                cx.python_module = true;
                if option == "-m" {
                    rest.drain(..=i);
                } else {
                    rest.drain(..i);
                    if let Some(first) = rest.first_mut() {
                        first.value = Some(option[2..].to_string());
                    }
                }
                if rest.is_empty() {
                    return;
                }
                return self.push(rest, cx);
            }
            if option == "-c" || !option.starts_with('-') || option == "-" {
                break;
            }
            i += if matches!(option.as_str(), "-X" | "-W" | "-Q") {
                2
            } else {
                1
            };
        }
        self.push(words, cx);
    }

    /// `sh [options] -c script [$0 [$1 …]]`: the script's commands; any other shell use
    /// (a script file) is a command of its own.
    fn shell(&mut self, words: Vec<Arg>, mut cx: Context, depth: usize) {
        let mut i = 1;
        let mut script_at = None;
        if words.first().and_then(Arg::known).map(basename) == Some("busybox") {
            // `busybox sh -c …`
            if words.get(1).and_then(Arg::known) != Some("sh") {
                return self.push(words, cx);
            }
            i = 2;
        }
        while let Some(option) = words.get(i).and_then(Arg::known) {
            if !(option.starts_with('-') || option.starts_with('+'))
                || option == "-"
                || option == "--"
            {
                break;
            }
            i += 1;
            if option.starts_with("--") {
                continue;
            }
            if option[1..].contains('c') {
                script_at = Some(i);
                break;
            }
            if option[1..].ends_with('o') {
                i += 1;
            }
        }
        let Some(script_at) = script_at else {
            return self.push(words, cx);
        };
        if depth >= MAX_DEPTH {
            return self.push(words, cx);
        }
        let Some(script_arg) = words.get(script_at) else {
            return self.push(words, cx);
        };
        let shell_name = basename(words[0].known().unwrap_or_default()).to_string();
        let Some(script) = script_arg.value.clone() else {
            // The script itself is unknown.
            cx.opaque = true;
            return self.push(words, cx);
        };
        let positional: Vec<Arg> = words[script_at + 1..].to_vec();
        let base = script_arg.clone();
        let split = shell::split(&script);
        let (commands, opaque) = shell::commands(&script, &split);
        cx.wrappers.push(shell_name);
        cx.in_shell = true;
        cx.exec = false;
        cx.opaque |= opaque;
        let mut vars: HashMap<String, ScriptVar> = HashMap::new();
        // `export NAME=V` reaches the environment of every later command.
        let mut exported: Vec<Assignment> = Vec::new();
        for command in commands {
            let resolver = WordResolver {
                script: &script,
                base: &base,
                env: self.env,
                vars: &vars,
                positional: &positional,
            };
            let mut assignments = cx.assignments.clone();
            assignments.extend(exported.iter().cloned());
            let mut words_iter = command.words.iter().peekable();
            let mut local = Vec::new();
            while let Some(word) = words_iter.peek() {
                let Some(name) = word.assignment_name(&script) else {
                    break;
                };
                let value = word.assigned_value(name);
                local.push(Assignment {
                    name: name.to_string(),
                    value: resolver.arg(&value),
                });
                words_iter.next();
            }
            let rest: Vec<Arg> = words_iter.map(|w| resolver.arg(w)).collect();
            let export = rest.first().and_then(Arg::known) == Some("export");
            if rest.is_empty() || export {
                // `NAME=V` alone sets a shell variable for what follows; `export NAME=V` also
                // puts it in the environment of later commands.
                let exports: Vec<Assignment> = rest
                    .iter()
                    .skip(1)
                    .filter_map(|arg| {
                        let (name, _) = arg.written.split_once('=')?;
                        if !shell::is_name(name) {
                            return None;
                        }
                        let mut value = arg.clone();
                        value.value = arg
                            .value
                            .as_deref()
                            .and_then(|v| v.split_once('='))
                            .map(|(_, v)| v.to_string());
                        value.origin.range = arg.element_range_of_written(name.len() + 1);
                        value.positions = Positions::Moved;
                        Some(Assignment {
                            name: name.to_string(),
                            value,
                        })
                    })
                    .collect();
                for assignment in local.iter().chain(&exports) {
                    let value = if command.conditional {
                        None
                    } else {
                        assignment.value.value.clone()
                    };
                    vars.insert(
                        assignment.name.clone(),
                        ScriptVar {
                            value,
                            dynamic: assignment.value.dynamic.clone(),
                        },
                    );
                }
                exported.extend(exports);
                continue;
            }
            assignments.extend(local);
            let inner = Context {
                assignments,
                conditional: cx.conditional || command.conditional,
                ..cx.clone()
            };
            self.unwrap(rest, inner, depth + 1);
        }
    }
}

/// A variable a script set: its value (`None`: unknown) and what it was computed from.
#[derive(Debug, Clone)]
struct ScriptVar {
    value: Option<String>,
    dynamic: Vec<String>,
}

/// Resolves the words of one script command.
struct WordResolver<'r> {
    script: &'r str,
    /// The word that holds the script; word ranges are offsets in its value.
    base: &'r Arg,
    env: &'r Environment,
    /// Variables the script set before this command.
    vars: &'r HashMap<String, ScriptVar>,
    /// `$0`, `$1`, … after the script.
    positional: &'r [Arg],
}

impl WordResolver<'_> {
    fn arg(&self, word: &Word) -> Arg {
        let mut dynamic = Vec::new();
        let value = self.value(word, &mut dynamic);
        let written = self
            .script
            .get(word.range.clone())
            .unwrap_or_default()
            .to_string();
        let positions = match value.as_deref() {
            Some(v) if v == written => Positions::Shifted(0),
            Some(v)
                if written.len() == v.len() + 2
                    && (written.starts_with('\'') || written.starts_with('"'))
                    && written.get(1..written.len() - 1) == Some(v) =>
            {
                Positions::Shifted(1)
            }
            _ => Positions::Moved,
        };
        Arg {
            value,
            written,
            origin: Origin {
                field: self.base.origin.field,
                index: self.base.origin.index,
                range: self.base.element_range(word.range.clone()),
            },
            dynamic,
            positions,
        }
    }

    /// The word's value; what it is computed from goes to `dynamic`.
    fn value(&self, word: &Word, dynamic: &mut Vec<String>) -> Option<String> {
        let mut out = Some(String::new());
        for piece in &word.pieces {
            let part = match piece {
                Piece::Literal(text) => Some(text.clone()),
                Piece::Param {
                    name,
                    operator,
                    word,
                } => {
                    if let Some(var) = self.vars.get(name.as_str()) {
                        dynamic.extend(var.dynamic.iter().cloned());
                    }
                    if word.contains("$(") || word.contains('`') {
                        dynamic.push(word.clone());
                    }
                    self.parameter(name, operator.as_deref(), word)
                }
                Piece::Command(text) | Piece::Arithmetic(text) => {
                    dynamic.push(text.clone());
                    None
                }
            };
            out = out.zip(part).map(|(mut out, part)| {
                out.push_str(&part);
                out
            });
        }
        out
    }

    /// A variable's value: `Ok(Some)` set, `Ok(None)` unset, `Err` unknown.
    fn variable(&self, name: &str) -> Result<Option<String>, ()> {
        if let Some(var) = self.vars.get(name) {
            return var.value.clone().map(Some).ok_or(());
        }
        if let Ok(n) = name.parse::<usize>() {
            return match self.positional.get(n) {
                Some(arg) => arg.value.clone().map(Some).ok_or(()),
                None => Ok(None),
            };
        }
        if !shell::is_name(name) {
            return Err(());
        }
        match self.env.lookup(name) {
            Lookup::Set(EnvVar {
                value: EnvValue::Literal(value),
                ..
            }) => Ok(Some(value.clone())),
            Lookup::Set(_) | Lookup::Unknown => Err(()),
            Lookup::Unset => Ok(None),
        }
    }

    fn parameter(&self, name: &str, operator: Option<&str>, word: &str) -> Option<String> {
        let value = self.variable(name).ok()?;
        let default = || unquote(word);
        match operator {
            None => Some(value.unwrap_or_default()),
            Some(":-" | ":=") => match value {
                Some(v) if !v.is_empty() => Some(v),
                _ => default(),
            },
            Some("-" | "=") => match value {
                Some(v) => Some(v),
                None => default(),
            },
            Some(":+") => match value {
                Some(v) if !v.is_empty() => default(),
                _ => Some(String::new()),
            },
            Some("+") => match value {
                Some(_) => default(),
                None => Some(String::new()),
            },
            _ => None,
        }
    }
}

/// The value of a `${NAME:-word}` word when it has no expansion of its own.
fn unquote(word: &str) -> Option<String> {
    let split = shell::split(word);
    if split.opaque {
        return None;
    }
    let mut out = String::new();
    for token in &split.tokens {
        match token {
            shell::Token::Word(w) => {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&w.literal()?);
            }
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Location;
    use crate::process::env::{RawEnvVar, RawEnvironment, RawValue};
    use proptest::prelude::*;

    fn nowhere() -> Location {
        Location {
            file: 0,
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
            start: 0,
            end: 0,
        }
    }

    fn texts(values: &[&str]) -> Vec<SourceText> {
        values
            .iter()
            .map(|v| SourceText::at(nowhere(), v.to_string()))
            .collect()
    }

    fn env(pairs: &[(&str, &str)]) -> Environment {
        RawEnvironment {
            env: pairs
                .iter()
                .map(|(n, v)| RawEnvVar {
                    name: n.to_string(),
                    value: RawValue::Value(SourceText::at(nowhere(), v.to_string())),
                    location: nowhere(),
                })
                .collect(),
            env_from: Vec::new(),
        }
        .resolve(None, None, 0)
    }

    /// (program, known argument values) of each command.
    fn run(command: &[&str], args: &[&str], env: &Environment) -> Vec<(String, Vec<String>)> {
        resolve(&texts(command), &texts(args), env)
            .list
            .into_iter()
            .map(|c| {
                (
                    c.program.clone(),
                    c.args()
                        .iter()
                        .map(|a| a.value.clone().unwrap_or_else(|| "?".into()))
                        .collect(),
                )
            })
            .collect()
    }

    fn main_of(command: &[&str], args: &[&str]) -> (String, Vec<String>) {
        let commands = resolve(&texts(command), &texts(args), &Environment::default());
        let main = commands.main().expect("a main command");
        (
            main.program.clone(),
            main.args()
                .iter()
                .map(|a| a.value.clone().unwrap_or_else(|| "?".into()))
                .collect(),
        )
    }

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn wrappers_are_stripped() {
        for (command, args) in [
            (vec!["tini", "-g", "--", "gunicorn"], vec!["-w", "4"]),
            (
                vec!["/usr/bin/dumb-init", "--"],
                vec!["gunicorn", "-w", "4"],
            ),
            (vec!["/usr/bin/env", "A=1", "gunicorn", "-w", "4"], vec![]),
            (vec!["ddtrace-run", "gunicorn", "-w", "4"], vec![]),
            (
                vec![
                    "opentelemetry-instrument",
                    "--traces_exporter",
                    "console",
                    "gunicorn",
                ],
                vec!["-w", "4"],
            ),
            (
                vec!["newrelic-admin", "run-program", "gunicorn", "-w", "4"],
                vec![],
            ),
            (
                vec![
                    "uv", "run", "--frozen", "--with", "x", "gunicorn", "-w", "4",
                ],
                vec![],
            ),
            (vec!["poetry", "run", "gunicorn", "-w", "4"], vec![]),
            (
                vec!["python3.12", "-u", "-m", "gunicorn", "-w", "4"],
                vec![],
            ),
            (vec!["/venv/bin/python", "-mgunicorn", "-w", "4"], vec![]),
            (
                vec![
                    "conda",
                    "run",
                    "-n",
                    "env",
                    "--no-capture-output",
                    "gunicorn",
                    "-w",
                    "4",
                ],
                vec![],
            ),
        ] {
            assert_eq!(
                main_of(&command, &args),
                ("gunicorn".to_string(), strings(&["-w", "4"])),
                "{command:?} {args:?}"
            );
        }
    }

    #[test]
    fn shell_scripts_are_unwrapped() {
        let script = "set -e; cd /app && python manage.py migrate\nexec gunicorn app:app -w ${WORKERS:-2} --threads \"$THREADS\" --max-requests $(nproc)";
        let commands = run(&["/bin/sh", "-ec", script], &[], &env(&[("THREADS", "8")]));
        assert_eq!(
            commands,
            vec![
                ("set".to_string(), strings(&["-e"])),
                ("cd".to_string(), strings(&["/app"])),
                ("python".to_string(), strings(&["manage.py", "migrate"])),
                (
                    "gunicorn".to_string(),
                    strings(&[
                        "app:app",
                        "-w",
                        "2",
                        "--threads",
                        "8",
                        "--max-requests",
                        "?"
                    ])
                ),
            ]
        );
        let resolved = resolve(
            &texts(&["/bin/sh", "-ec", script]),
            &[],
            &Environment::default(),
        );
        let main = resolved.main().unwrap();
        assert_eq!(main.program, "gunicorn");
        assert!(main.exec && main.in_shell && !main.conditional);
        // `$THREADS` is unset: it expands to nothing.
        assert_eq!(main.args()[4].value.as_deref(), Some(""));
        let workers = &main.args()[2];
        assert_eq!(workers.written, "${WORKERS:-2}");
        let range = workers.origin.range.clone().unwrap();
        assert_eq!(&script[range], "${WORKERS:-2}");
    }

    #[test]
    fn script_assignments_and_exports_reach_later_commands() {
        let script = "export OMP_NUM_THREADS=1 W=3\nOPENBLAS_NUM_THREADS=2 gunicorn -w $W";
        let resolved = resolve(
            &texts(&["bash", "-lc", script]),
            &[],
            &Environment::default(),
        );
        let gunicorn = resolved.running("gunicorn").next().unwrap();
        assert_eq!(gunicorn.args()[1].value.as_deref(), Some("3"));
        let blas = gunicorn.assignment("OPENBLAS_NUM_THREADS").unwrap();
        assert_eq!(blas.value.value.as_deref(), Some("2"));
        assert_eq!(&script[blas.value.origin.range.clone().unwrap()], "2");
    }

    #[test]
    fn options_in_every_form() {
        let resolved = resolve(
            &texts(&[
                "gunicorn",
                "-w4",
                "--threads=8",
                "--timeout",
                "30",
                "-k",
                "gthread",
                "--",
                "-w",
                "9",
            ]),
            &[],
            &Environment::default(),
        );
        let main = resolved.main().unwrap();
        assert_eq!(main.option(&["-w"], &["--workers"]).unwrap().int(), Some(4));
        let threads = main.option(&[], &["--threads"]).unwrap();
        assert_eq!(threads.value(), Some("8"));
        assert_eq!(threads.origin().range, Some(10..11));
        assert_eq!(
            main.option(&["-t"], &["--timeout"]).unwrap().int(),
            Some(30)
        );
        assert!(main.option(&["-b"], &["--bind"]).is_none());
    }

    #[test]
    fn computed_values_remember_what_they_came_from() {
        let script = "WORKERS=${GUNICORN_WORKERS:-$(( 2 * $(nproc) + 1 ))}\nexec gunicorn -w \"$WORKERS\" app";
        let resolved = resolve(&texts(&["sh", "-c", script]), &[], &Environment::default());
        let main = resolved.main().unwrap();
        let workers = main.option(&["-w"], &["--workers"]).unwrap();
        assert_eq!(workers.value(), None);
        assert!(
            workers.dynamic().iter().any(|d| d.contains("nproc")),
            "{:?}",
            workers.dynamic()
        );
        assert_eq!(workers.written(), "\"$WORKERS\"");
    }

    #[test]
    fn positional_parameters_come_after_the_script() {
        let commands = run(
            &["sh", "-c", "exec \"$0\" -w \"$1\"", "gunicorn", "5"],
            &[],
            &Environment::default(),
        );
        assert_eq!(
            commands,
            vec![("gunicorn".to_string(), strings(&["-w", "5"]))]
        );
    }

    #[test]
    fn kubernetes_expands_references_before_the_shell() {
        let commands = run(
            &["gunicorn"],
            &["-w", "$(WORKERS)", "--threads", "$(UNSET)", "$$(x)"],
            &env(&[("WORKERS", "3")]),
        );
        assert_eq!(
            commands,
            vec![(
                "gunicorn".to_string(),
                strings(&["-w", "3", "--threads", "$(UNSET)", "$(x)"])
            )]
        );
    }

    #[test]
    fn args_alone_count_only_when_they_name_a_program() {
        let resolved = resolve(
            &[],
            &texts(&["gunicorn", "-w", "2"]),
            &Environment::default(),
        );
        assert_eq!(resolved.entrypoint, Entrypoint::ArgsOnly);
        assert_eq!(resolved.main().unwrap().program, "gunicorn");
        let resolved = resolve(&[], &texts(&["--port", "80"]), &Environment::default());
        assert_eq!(resolved.entrypoint, Entrypoint::Image);
        assert!(resolved.list.is_empty());
    }

    #[test]
    fn conditional_scripts_are_opaque() {
        let resolved = resolve(
            &texts(&["sh", "-c", "if [ -f x ]; then exec celery worker; fi"]),
            &[],
            &Environment::default(),
        );
        let celery = resolved.running("celery").next().unwrap();
        assert!(celery.opaque && celery.conditional);
    }

    proptest! {
        #[test]
        fn never_panics(
            command in prop::collection::vec(any::<String>(), 0..4),
            args in prop::collection::vec(any::<String>(), 0..4),
        ) {
            let command: Vec<&str> = command.iter().map(String::as_str).collect();
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let _ = resolve(&texts(&command), &texts(&args), &Environment::default());
        }

        #[test]
        fn never_panics_on_wrapped_scripts(
            wrapper in prop::sample::select(vec!["sh", "bash", "tini", "env", "python", "uv", "exec", "newrelic-admin", "timeout", "nice"]),
            flag in prop::sample::select(vec!["-c", "-lc", "-m", "run", "--", "-n", "-u", "run-python", "-S"]),
            script in r#"[a-z$(){}`'"\\ ;&|<>#=:\-\n0-9]{0,48}"#,
            rest in prop::collection::vec("[a-z$=-]{0,6}", 0..3),
        ) {
            let mut command = vec![wrapper, flag, script.as_str()];
            command.extend(rest.iter().map(String::as_str));
            let resolved = resolve(&texts(&command), &[], &Environment::default());
            for c in &resolved.list {
                for word in &c.words {
                    if let Some(range) = &word.origin.range {
                        let element = command.get(word.origin.index).copied().unwrap_or_default();
                        prop_assert!(element.get(range.clone()).is_some());
                    }
                }
            }
        }
    }
}
