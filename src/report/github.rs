//! GitHub Actions annotations: one workflow command per finding,
//! `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`, then the summary line.
//!
//! The runner reads each command from one line, so values are escaped as `actions/toolkit`
//! does (`%`, CR, LF in the message; also `:` and `,` in properties). It rejects a command whose
//! `col`/`endColumn` are given for a span over several lines, so those get lines only. A file
//! name is used as printed, relative to the working directory: run kubelint from the
//! repository root (the action does) so that GitHub finds the file.

use std::io::{self, Write as _};

use super::Report;
use super::human::summary_line;
use crate::finding::{Finding, Severity};

/// Write one annotation per finding, in report order, and the summary line.
pub fn write(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    let mut out = io::BufWriter::new(out);
    for finding in &report.findings {
        writeln!(out, "{}", annotation(report, finding))?;
    }
    writeln!(out, "{}", summary_line(&report.summary))?;
    out.flush()
}

fn annotation(report: &Report, finding: &Finding) -> String {
    let command = match finding.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let location = &finding.location;
    let file = display_name(report.file_name(location));
    let mut properties = Vec::new();
    let mut message = String::new();
    if file == "-" {
        // Standard input is no file GitHub could show: the place goes into the message.
        message.push_str(&format!("-:{}:{}: ", location.line, location.column));
    } else {
        properties.push(("file", file.to_string()));
        properties.push(("line", location.line.to_string()));
        if location.line == location.end_line {
            properties.push(("col", location.column.to_string()));
        }
        properties.push(("endLine", location.end_line.to_string()));
        if location.line == location.end_line && location.end_column >= location.column {
            properties.push(("endColumn", location.end_column.to_string()));
        }
    }
    properties.push(("title", finding.rule.to_owned()));

    message.push_str(&finding.message);
    for related in &finding.related {
        let place = &related.location;
        message.push_str(&format!(
            "\n  related: {}:{}:{}: {}",
            display_name(report.file_name(place)),
            place.line,
            place.column,
            related.message
        ));
    }
    if let Some(origin) = &finding.origin {
        message.push_str(&format!("\n  source: {origin}"));
    }
    if let Some(help) = &finding.help {
        message.push_str(&format!("\n  help: {help}"));
    }

    let properties: Vec<String> = properties
        .iter()
        .map(|(key, value)| format!("{key}={}", escape_property(value)))
        .collect();
    format!(
        "::{command} {}::{}",
        properties.join(","),
        escape_data(&message)
    )
}

/// A file name as GitHub expects it: forward slashes, no leading `./`.
fn display_name(name: &str) -> std::borrow::Cow<'_, str> {
    let name = name.strip_prefix("./").unwrap_or(name);
    if name.contains('\\') {
        name.replace('\\', "/").into()
    } else {
        name.into()
    }
}

/// A command's message: `%`, CR and LF, as `escapeData` in actions/toolkit.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: as [`escape_data`], plus the `:` and `,` that delimit properties.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Location;
    use crate::report::human::tests::sample_report;

    fn render(report: &Report) -> String {
        let mut out = Vec::new();
        write(report, &mut out).expect("writing to a Vec cannot fail");
        String::from_utf8(out).expect("annotations are UTF-8")
    }

    /// Reverses the escaping as the runner does (`unescapeData` / `unescapeProperty`).
    fn unescape(text: &str) -> String {
        text.replace("%0D", "\r")
            .replace("%0A", "\n")
            .replace("%3A", ":")
            .replace("%2C", ",")
            .replace("%25", "%")
    }

    /// Parses `::command k=v,k=v::message` as the runner does.
    fn parse(line: &str) -> (String, Vec<(String, String)>, String) {
        let rest = line.strip_prefix("::").expect("a workflow command");
        let (head, message) = rest.split_once("::").expect("command and message");
        let (command, properties) = head.split_once(' ').unwrap_or((head, ""));
        let properties = properties
            .split(',')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (key, value) = p.split_once('=').expect("key=value");
                (key.to_owned(), unescape(value))
            })
            .collect();
        (command.to_owned(), properties, unescape(message))
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render(&sample_report()));
    }

    #[test]
    fn every_finding_is_one_command_that_round_trips() {
        let report = sample_report();
        let output = render(&report);
        let lines: Vec<&str> = output.lines().collect();
        assert_eq!(lines.len(), report.findings.len() + 1, "{output}");
        assert_eq!(
            *lines.last().expect("summary"),
            summary_line(&report.summary)
        );
        for (line, finding) in lines.iter().zip(&report.findings) {
            let (command, properties, message) = parse(line);
            let expected = match finding.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            assert_eq!(command, expected);
            let get = |key: &str| {
                properties
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.as_str())
            };
            assert_eq!(get("title"), Some(finding.rule));
            assert!(message.starts_with(&finding.message) || message.starts_with("-:"));
            assert!(message.contains(&finding.message));
            for related in &finding.related {
                assert!(message.contains(&related.message), "{message}");
            }
            let file = report.file_name(&finding.location);
            if file == "-" {
                assert_eq!(get("file"), None);
                continue;
            }
            let location = &finding.location;
            assert_eq!(get("file"), Some(file));
            assert_eq!(get("line"), Some(location.line.to_string().as_str()));
            assert_eq!(get("col"), Some(location.column.to_string().as_str()));
            assert_eq!(get("endLine"), Some(location.end_line.to_string().as_str()));
            assert_eq!(
                get("endColumn"),
                Some(location.end_column.to_string().as_str())
            );
        }
    }

    #[test]
    fn special_characters_are_escaped_in_message_and_properties() {
        let mut report = sample_report();
        report.files[0].name = "dir,with:odd%/a.yaml".into();
        let finding = &mut report.findings[0];
        finding.message = "100% of\r\nreplicas: a, b".into();
        finding.help = None;
        finding.related.clear();
        finding.origin = None;
        report.findings.truncate(1);
        let output = render(&report);
        let first = output.lines().next().expect("one annotation");
        assert_eq!(
            first,
            "::error file=dir%2Cwith%3Aodd%25/a.yaml,line=9,col=23,endLine=9,endColumn=24,\
             title=rollout-surge-scarce-resource::100%25 of%0D%0Areplicas: a, b"
        );
        let (_, properties, message) = parse(first);
        assert_eq!(properties[0].1, "dir,with:odd%/a.yaml");
        assert_eq!(message, "100% of\r\nreplicas: a, b");
    }

    #[test]
    fn a_span_over_several_lines_has_no_columns() {
        let mut report = sample_report();
        report.findings[0].location = Location {
            end_line: 12,
            end_column: 2,
            ..report.findings[0].location.clone()
        };
        let output = render(&report);
        let first = output.lines().next().expect("one annotation");
        assert!(
            first.starts_with("::error file=deploy/prod/api.yaml,line=9,endLine=12,title="),
            "{first}"
        );
    }
}
