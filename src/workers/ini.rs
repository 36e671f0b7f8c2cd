//! `key = value` lines of one section of an INI file (uWSGI's `--ini`), with their lines.

/// One `key = value` line of the section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IniEntry {
    pub key: String,
    pub value: String,
    /// 0-based line in the file.
    pub line: usize,
}

/// The entries of `[section]` in `text`, in order (a key may repeat).
pub fn section(text: &str, section: &str) -> Vec<IniEntry> {
    let mut inside = false;
    let mut entries = Vec::new();
    for (line, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            continue;
        }
        if let Some(name) = trimmed
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
        {
            inside = name.trim() == section;
            continue;
        }
        if !inside {
            continue;
        }
        let (key, value) = match trimmed.split_once('=') {
            Some((key, value)) => (key.trim(), value.trim()),
            // A bare key is a flag (`master`).
            None => (trimmed, "true"),
        };
        entries.push(IniEntry {
            key: key.to_string(),
            value: value.to_string(),
            line,
        });
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_one_section() {
        let text = "[other]\nprocesses = 9\n[uwsgi]\n; comment\nprocesses = 4\nmaster\nmax-requests=1000\n";
        let entries = section(text, "uwsgi");
        assert_eq!(
            entries,
            vec![
                IniEntry {
                    key: "processes".into(),
                    value: "4".into(),
                    line: 4
                },
                IniEntry {
                    key: "master".into(),
                    value: "true".into(),
                    line: 5
                },
                IniEntry {
                    key: "max-requests".into(),
                    value: "1000".into(),
                    line: 6
                },
            ]
        );
    }

    proptest! {
        #[test]
        fn any_text(text in "(.|\n){0,200}") {
            for entry in section(&text, "uwsgi") {
                prop_assert!(entry.line < text.lines().count().max(1));
            }
        }
    }
}
