//! Command-line option parsing the way the servers' own parsers do it, over already split
//! words: Python's `argparse` (gunicorn: `--opt value`, `--opt=value`, glued short options,
//! unique prefixes of long options), `click` (uvicorn, celery: exact names only) and GNU
//! `getopt_long` (uWSGI). Pure functions; they never panic, whatever the words.

/// One word of a command line: its text, or `None` when kubelint cannot know it (an
/// unresolved `$VAR` or `$(…)` that may expand to anything, even to several options).
pub type Word<'a> = Option<&'a str>;

/// Whether an option takes a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arity {
    Flag,
    Value,
}

/// One option of a server's command line.
#[derive(Debug, Clone, Copy)]
pub struct OptionSpec {
    /// Long spellings with their dashes (`--max-requests`).
    pub long: &'static [&'static str],
    /// Short letters (`w` for `-w`).
    pub short: &'static [char],
    pub arity: Arity,
    /// The setting the option writes, `None` for options kubelint does not read.
    pub setting: Option<&'static str>,
}

/// Shorthands for option tables.
pub const fn value(
    long: &'static [&'static str],
    short: &'static [char],
    setting: Option<&'static str>,
) -> OptionSpec {
    OptionSpec {
        long,
        short,
        arity: Arity::Value,
        setting,
    }
}

pub const fn flag(
    long: &'static [&'static str],
    short: &'static [char],
    setting: Option<&'static str>,
) -> OptionSpec {
    OptionSpec {
        long,
        short,
        arity: Arity::Flag,
        setting,
    }
}

/// How a program parses its options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Python `argparse` with `allow_abbrev` (the default): a unique prefix of a long option
    /// is that option; an ambiguous one is a usage error; words that look like negative
    /// numbers are positional.
    Argparse,
    /// `click`: exact long names only; an unknown option is a usage error.
    Click,
    /// `getopt_long` with a partial table: exact long names, and an option kubelint does
    /// not know takes the next word as its value unless that word is an option.
    GetoptPartial,
}

/// What the value of an option is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgValue {
    /// A flag (no value).
    Flag,
    Text(String),
    /// The value word is not known (an unresolved variable).
    Unknown,
}

/// What the parser met, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgEvent {
    /// A known option: the setting it writes (if kubelint reads it), its value, the word
    /// that names it and the word holding the value (the same word for `--opt=value`).
    Option {
        spec: usize,
        value: ArgValue,
        word: usize,
        value_word: Option<usize>,
    },
    /// A word kubelint cannot read in a place where it could be an option.
    Opaque {
        word: usize,
    },
    /// A usage error the program would exit with (an unknown or ambiguous option, a
    /// missing value); `near` lists the settings an abbreviation could have meant.
    Error {
        word: usize,
        near: Vec<&'static str>,
    },
    Positional {
        word: usize,
    },
}

/// Parses `words` (the arguments after the program name) against `table`.
pub fn parse(words: &[Word<'_>], table: &[OptionSpec], dialect: Dialect) -> Vec<ArgEvent> {
    let mut events = Vec::new();
    let mut only_positional = false;
    let mut i = 0;
    while i < words.len() {
        let word = words[i];
        let Some(text) = word else {
            events.push(if only_positional {
                ArgEvent::Positional { word: i }
            } else {
                ArgEvent::Opaque { word: i }
            });
            i += 1;
            continue;
        };
        if only_positional
            || text == "-"
            || !text.starts_with('-')
            || (dialect == Dialect::Argparse && looks_negative(text))
        {
            events.push(ArgEvent::Positional { word: i });
            i += 1;
            continue;
        }
        if text == "--" {
            only_positional = true;
            i += 1;
            continue;
        }
        i = if let Some(long) = text.strip_prefix("--") {
            parse_long(words, i, long, table, dialect, &mut events)
        } else {
            parse_short(words, i, &text[1..], table, dialect, &mut events)
        };
    }
    events
}

/// `argparse`'s `_negative_number_matcher`: `-1`, `-.5`, `-2.0` are positional when the
/// parser has no option that looks like a number (none of ours does).
fn looks_negative(text: &str) -> bool {
    let Some(rest) = text.strip_prefix('-') else {
        return false;
    };
    let (int, frac) = match rest.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (rest, None),
    };
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    match frac {
        None => !int.is_empty() && digits(int),
        Some(frac) => !frac.is_empty() && digits(int) && digits(frac),
    }
}

enum Lookup {
    Found(usize),
    Ambiguous(Vec<usize>),
    Unknown,
}

fn find_long(name: &str, table: &[OptionSpec], dialect: Dialect) -> Lookup {
    let exact = table
        .iter()
        .position(|spec| spec.long.iter().any(|l| l.strip_prefix("--") == Some(name)));
    if let Some(index) = exact {
        return Lookup::Found(index);
    }
    if dialect != Dialect::Argparse || name.is_empty() {
        return Lookup::Unknown;
    }
    let mut matches: Vec<usize> = table
        .iter()
        .enumerate()
        .filter(|(_, spec)| {
            spec.long
                .iter()
                .any(|l| l.strip_prefix("--").is_some_and(|l| l.starts_with(name)))
        })
        .map(|(index, _)| index)
        .collect();
    matches.dedup();
    match matches.as_slice() {
        [] => Lookup::Unknown,
        [one] => Lookup::Found(*one),
        _ => Lookup::Ambiguous(matches),
    }
}

/// The settings whose long names start with `name`: what an abbreviation kubelint cannot
/// resolve may have meant.
fn settings_prefixed(name: &str, table: &[OptionSpec]) -> Vec<&'static str> {
    let mut near: Vec<&'static str> = table
        .iter()
        .filter(|spec| {
            !name.is_empty()
                && spec
                    .long
                    .iter()
                    .any(|l| l.strip_prefix("--").is_some_and(|l| l.starts_with(name)))
        })
        .filter_map(|spec| spec.setting)
        .collect();
    near.sort_unstable();
    near.dedup();
    near
}

/// Parses `--name[=value]` at word `i`; returns the index of the next word to read.
fn parse_long(
    words: &[Word<'_>],
    i: usize,
    long: &str,
    table: &[OptionSpec],
    dialect: Dialect,
    events: &mut Vec<ArgEvent>,
) -> usize {
    let (name, inline) = match long.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (long, None),
    };
    match find_long(name, table, dialect) {
        Lookup::Found(spec) => take_value(words, i, spec, inline, table, dialect, events),
        Lookup::Ambiguous(specs) => {
            let mut near: Vec<&'static str> =
                specs.iter().filter_map(|&s| table[s].setting).collect();
            near.sort_unstable();
            near.dedup();
            events.push(ArgEvent::Error { word: i, near });
            i + 1
        }
        Lookup::Unknown if dialect == Dialect::Argparse && long.contains(' ') => {
            events.push(ArgEvent::Positional { word: i });
            i + 1
        }
        Lookup::Unknown if dialect == Dialect::GetoptPartial => {
            // An option of the program kubelint's table lacks: unless it is a prefix of a
            // setting kubelint reads, it only matters for whether it swallows a value.
            let near = settings_prefixed(name, table);
            if !near.is_empty() {
                events.push(ArgEvent::Error { word: i, near });
            }
            let takes_next = inline.is_none()
                && matches!(words.get(i + 1), Some(Some(next)) if !next.starts_with('-'));
            if takes_next { i + 2 } else { i + 1 }
        }
        Lookup::Unknown => {
            events.push(ArgEvent::Error {
                word: i,
                near: settings_prefixed(name, table),
            });
            i + 1
        }
    }
}

/// The value of option `spec` named at word `i`: `inline` (after `=` or glued to a short
/// option) or the next word.
fn take_value(
    words: &[Word<'_>],
    i: usize,
    spec: usize,
    inline: Option<&str>,
    table: &[OptionSpec],
    dialect: Dialect,
    events: &mut Vec<ArgEvent>,
) -> usize {
    match (table[spec].arity, inline) {
        (Arity::Flag, None) => {
            events.push(ArgEvent::Option {
                spec,
                value: ArgValue::Flag,
                word: i,
                value_word: None,
            });
            i + 1
        }
        (Arity::Flag, Some(_)) => {
            // argparse: "ignored explicit argument"; click: "option does not take a value".
            events.push(ArgEvent::Error {
                word: i,
                near: Vec::new(),
            });
            i + 1
        }
        (Arity::Value, Some(value)) => {
            events.push(ArgEvent::Option {
                spec,
                value: ArgValue::Text(value.to_string()),
                word: i,
                value_word: Some(i),
            });
            i + 1
        }
        (Arity::Value, None) => match words.get(i + 1) {
            None => {
                events.push(ArgEvent::Error {
                    word: i,
                    near: Vec::new(),
                });
                i + 1
            }
            Some(None) => {
                events.push(ArgEvent::Option {
                    spec,
                    value: ArgValue::Unknown,
                    word: i,
                    value_word: Some(i + 1),
                });
                i + 2
            }
            Some(Some(next)) => {
                // argparse refuses an option-like word as a value ("expected one argument");
                // click and getopt take whatever follows.
                let refused = dialect == Dialect::Argparse
                    && next.starts_with('-')
                    && next.len() > 1
                    && !looks_negative(next);
                if refused {
                    events.push(ArgEvent::Error {
                        word: i,
                        near: Vec::new(),
                    });
                    i + 1
                } else {
                    events.push(ArgEvent::Option {
                        spec,
                        value: ArgValue::Text((*next).to_string()),
                        word: i,
                        value_word: Some(i + 1),
                    });
                    i + 2
                }
            }
        },
    }
}

/// Parses a group of short options (`-w4`, `-w=4` in argparse, `-DEw 4`) at word `i`.
fn parse_short(
    words: &[Word<'_>],
    i: usize,
    group: &str,
    table: &[OptionSpec],
    dialect: Dialect,
    events: &mut Vec<ArgEvent>,
) -> usize {
    let mut rest = group;
    while let Some(letter) = rest.chars().next() {
        let after = &rest[letter.len_utf8()..];
        let Some(spec) = table.iter().position(|s| s.short.contains(&letter)) else {
            if dialect == Dialect::GetoptPartial {
                // A short option kubelint does not know: guess as for long ones.
                let takes_next = after.is_empty()
                    && matches!(words.get(i + 1), Some(Some(next)) if !next.starts_with('-'));
                return if takes_next { i + 2 } else { i + 1 };
            }
            events.push(ArgEvent::Error {
                word: i,
                near: Vec::new(),
            });
            return i + 1;
        };
        match table[spec].arity {
            Arity::Value => {
                let inline = if after.is_empty() {
                    None
                } else if dialect == Dialect::Argparse {
                    Some(after.strip_prefix('=').unwrap_or(after))
                } else {
                    Some(after)
                };
                return take_value(words, i, spec, inline, table, dialect, events);
            }
            Arity::Flag => {
                events.push(ArgEvent::Option {
                    spec,
                    value: ArgValue::Flag,
                    word: i,
                    value_word: None,
                });
                rest = after;
            }
        }
    }
    i + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TABLE: &[OptionSpec] = &[
        value(&["--workers"], &['w'], Some("workers")),
        value(&["--worker-class"], &['k'], Some("worker_class")),
        value(&["--max-requests"], &[], Some("max_requests")),
        value(&["--max-requests-jitter"], &[], Some("max_requests_jitter")),
        flag(&["--preload"], &[], Some("preload_app")),
        flag(&["--daemon"], &['D'], None),
    ];

    fn settings(words: &[&str], dialect: Dialect) -> Vec<(String, ArgValue)> {
        let words: Vec<Word<'_>> = words.iter().map(|w| Some(*w)).collect();
        parse(&words, TABLE, dialect)
            .into_iter()
            .map(|event| match event {
                ArgEvent::Option { spec, value, .. } => {
                    (TABLE[spec].setting.unwrap_or("-").to_string(), value)
                }
                ArgEvent::Error { near, .. } => (format!("error{near:?}"), ArgValue::Flag),
                ArgEvent::Opaque { .. } => ("opaque".into(), ArgValue::Flag),
                ArgEvent::Positional { word } => (format!("pos{word}"), ArgValue::Flag),
            })
            .collect()
    }

    fn text(v: &str) -> ArgValue {
        ArgValue::Text(v.into())
    }

    #[test]
    fn argparse_spellings() {
        let cases: &[(&[&str], &str, &str)] = &[
            (&["--max-requests", "1000"], "max_requests", "1000"),
            (&["--max-requests=1200"], "max_requests", "1200"),
            (&["--max-requests-j", "50"], "max_requests_jitter", "50"),
            (&["--max-requests-jitter=5"], "max_requests_jitter", "5"),
            (&["-w4"], "workers", "4"),
            (&["-w=4"], "workers", "4"),
            (&["-w", "4"], "workers", "4"),
            (&["--workers", "-1"], "workers", "-1"),
            (&["--wor", "4"], "error[\"worker_class\", \"workers\"]", ""),
        ];
        for (words, setting, value) in cases {
            let got = settings(words, Dialect::Argparse);
            assert_eq!(got[0].0, *setting, "{words:?}");
            if !value.is_empty() {
                assert_eq!(got[0].1, text(value), "{words:?}");
            }
        }
    }

    #[test]
    fn ambiguous_prefix_is_an_error_naming_both() {
        assert_eq!(
            settings(&["--max-req", "1000", "app:app"], Dialect::Argparse),
            vec![
                (
                    "error[\"max_requests\", \"max_requests_jitter\"]".to_string(),
                    ArgValue::Flag
                ),
                ("pos1".into(), ArgValue::Flag),
                ("pos2".into(), ArgValue::Flag),
            ]
        );
    }

    #[test]
    fn glued_flags_and_positionals() {
        assert_eq!(
            settings(&["app:app", "-Dw", "3", "--preload"], Dialect::Argparse),
            vec![
                ("pos0".into(), ArgValue::Flag),
                ("-".into(), ArgValue::Flag),
                ("workers".into(), text("3")),
                ("preload_app".into(), ArgValue::Flag),
            ]
        );
        assert_eq!(
            settings(&["--", "--workers", "3"], Dialect::Argparse),
            vec![
                ("pos1".into(), ArgValue::Flag),
                ("pos2".into(), ArgValue::Flag)
            ]
        );
    }

    #[test]
    fn argparse_refuses_an_option_as_a_value_click_takes_it() {
        assert_eq!(
            settings(&["--workers", "--preload"], Dialect::Argparse)[0].0,
            "error[]"
        );
        assert_eq!(
            settings(&["--workers", "--preload"], Dialect::Click)[0],
            ("workers".into(), text("--preload"))
        );
    }

    #[test]
    fn click_has_no_abbreviations() {
        assert_eq!(
            settings(&["--max-requests-j", "5"], Dialect::Click)[0].0,
            "error[\"max_requests_jitter\"]"
        );
    }

    #[test]
    fn getopt_guesses_unknown_options() {
        assert_eq!(
            settings(
                &["--master", "--http", ":80", "--workers", "4", "-T"],
                Dialect::GetoptPartial
            ),
            vec![("workers".into(), text("4"))]
        );
    }

    #[test]
    fn opaque_words() {
        let words = [Some("--workers"), None, None, Some("app")];
        let events = parse(&words, TABLE, Dialect::Argparse);
        assert_eq!(
            events,
            vec![
                ArgEvent::Option {
                    spec: 0,
                    value: ArgValue::Unknown,
                    word: 0,
                    value_word: Some(1)
                },
                ArgEvent::Opaque { word: 2 },
                ArgEvent::Positional { word: 3 },
            ]
        );
    }

    proptest! {
        #[test]
        fn never_panics_and_every_event_names_a_word(
            words in proptest::collection::vec(
                proptest::option::weighted(0.9, "(-{0,2}[a-zé=0-9.-]{0,12}| .*)"), 0..12),
            dialect in prop_oneof![Just(Dialect::Argparse), Just(Dialect::Click), Just(Dialect::GetoptPartial)],
        ) {
            let words: Vec<Word<'_>> = words.iter().map(|w| w.as_deref()).collect();
            for event in parse(&words, TABLE, dialect) {
                let word = match event {
                    ArgEvent::Option { word, value_word, .. } => {
                        prop_assert!(value_word.is_none_or(|v| v < words.len()));
                        word
                    }
                    ArgEvent::Opaque { word }
                    | ArgEvent::Error { word, .. }
                    | ArgEvent::Positional { word } => word,
                };
                prop_assert!(word < words.len());
            }
        }
    }
}
