//! Kubernetes' reading of plain YAML scalars: the YAML 1.1 resolution of go-yaml v2, which
//! sigs.k8s.io/yaml (and so kubectl and the API server) uses. YAML 1.2 parsers disagree on
//! `yes`, `on`, `0644` and `1_000`; Kubernetes reads them as `true`, `true`, `420` and `1000`.
//! Ported from kubernetes-sigs/yaml goyaml.v2/resolve.go (`resolve`, `resolveTable`,
//! `parseTimestamp`).

/// What a scalar means once resolved.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    /// Integers above `i64::MAX` that still fit `u64` (go-yaml returns `uint64`).
    Uint(u64),
    Float(f64),
    /// A date or date-time; the API server sees it as an RFC 3339 string.
    Timestamp,
    Str,
}

impl Resolved {
    /// How a message names the type ("a boolean", …).
    pub fn describe(self) -> &'static str {
        match self {
            Resolved::Null => "null",
            Resolved::Bool(_) => "a boolean",
            Resolved::Int(_) | Resolved::Uint(_) => "an integer",
            Resolved::Float(_) => "a number",
            Resolved::Timestamp => "a timestamp",
            Resolved::Str => "a string",
        }
    }
}

/// The core-schema tag written on a scalar (`!!str`, `!!int`, …); custom tags are ignored as
/// go-yaml ignores them for untyped decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoreTag {
    Str,
    Bool,
    Int,
    Float,
    Null,
    Timestamp,
    Binary,
    Other,
}

impl CoreTag {
    pub fn from_suffix(suffix: &str) -> CoreTag {
        match suffix {
            "str" => CoreTag::Str,
            "bool" => CoreTag::Bool,
            "int" => CoreTag::Int,
            "float" => CoreTag::Float,
            "null" => CoreTag::Null,
            "timestamp" => CoreTag::Timestamp,
            "binary" => CoreTag::Binary,
            _ => CoreTag::Other,
        }
    }
}

/// Resolves a plain (unquoted) scalar that carries no tag.
pub fn resolve_plain(text: &str) -> Resolved {
    let Some(&first) = text.as_bytes().first() else {
        return Resolved::Null;
    };
    match first {
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => {
            resolve_word(text).unwrap_or(Resolved::Str)
        }
        b'.' => resolve_word(text)
            .or_else(|| parse_go_float(text).map(Resolved::Float))
            .unwrap_or(Resolved::Str),
        b'+' | b'-' | b'0'..=b'9' => resolve_word(text)
            .or_else(|| resolve_number(text))
            .unwrap_or(Resolved::Str),
        _ => Resolved::Str,
    }
}

/// Resolves a scalar as go-yaml does when a core tag is written on it. `None` means the
/// tagged value is invalid (go-yaml fails with "cannot decode !!x `v` as a !!y").
pub fn resolve_tagged(text: &str, tag: CoreTag) -> Option<Resolved> {
    match tag {
        CoreTag::Str | CoreTag::Binary | CoreTag::Other => Some(Resolved::Str),
        CoreTag::Timestamp => is_timestamp(text).then_some(Resolved::Timestamp),
        _ => {
            let resolved = resolve_plain(text);
            match (tag, resolved) {
                (CoreTag::Float, Resolved::Int(i)) => Some(Resolved::Float(i as f64)),
                (CoreTag::Float, Resolved::Uint(u)) => Some(Resolved::Float(u as f64)),
                (CoreTag::Float, Resolved::Float(_))
                | (CoreTag::Int, Resolved::Int(_) | Resolved::Uint(_))
                | (CoreTag::Bool, Resolved::Bool(_))
                | (CoreTag::Null, Resolved::Null) => Some(resolved),
                _ => None,
            }
        }
    }
}

fn resolve_word(text: &str) -> Option<Resolved> {
    Some(match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Resolved::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Resolved::Bool(false)
        }
        "~" | "null" | "Null" | "NULL" => Resolved::Null,
        ".nan" | ".NaN" | ".NAN" => Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Resolved::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Resolved::Float(f64::NEG_INFINITY),
        _ => return None,
    })
}

/// The digit/sign branch of go-yaml's `resolve`: timestamp, then int (Go base-0 syntax after
/// removing underscores), then uint, then a YAML-style float, then `0b` binary.
fn resolve_number(text: &str) -> Option<Resolved> {
    if is_timestamp(text) {
        return Some(Resolved::Timestamp);
    }
    let plain: std::borrow::Cow<'_, str> = if text.contains('_') {
        text.replace('_', "").into()
    } else {
        text.into()
    };
    if let Some(int) = parse_go_int(&plain) {
        return Some(match i64::try_from(int) {
            Ok(i) => Resolved::Int(i),
            Err(_) => Resolved::Uint(int as u64),
        });
    }
    if is_yaml_style_float(&plain) {
        return parse_go_float(&plain).map(Resolved::Float);
    }
    if let Some(rest) = plain.strip_prefix("0b") {
        return parse_digits(rest, 2).and_then(int_or_uint);
    }
    if let Some(rest) = plain.strip_prefix("-0b") {
        return parse_digits(rest, 2)
            .and_then(|v| i64::try_from(-v).ok())
            .map(Resolved::Int);
    }
    None
}

fn int_or_uint(value: i128) -> Option<Resolved> {
    if let Ok(i) = i64::try_from(value) {
        Some(Resolved::Int(i))
    } else {
        u64::try_from(value).ok().map(Resolved::Uint)
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)` falling back to `ParseUint(s, 0, 64)`: optional sign,
/// then `0x`/`0o`/`0b` prefixes or a leading `0` for octal. Returns a value in the union of
/// the i64 and u64 ranges (negative only through the sign).
fn parse_go_int(text: &str) -> Option<i128> {
    let (negative, unsigned) = match text.as_bytes().first()? {
        b'+' => (false, &text[1..]),
        b'-' => (true, &text[1..]),
        _ => (false, text),
    };
    let (digits, radix) = if let Some(rest) = strip_prefix_ci(unsigned, "0x") {
        (rest, 16)
    } else if let Some(rest) = strip_prefix_ci(unsigned, "0o") {
        (rest, 8)
    } else if let Some(rest) = strip_prefix_ci(unsigned, "0b") {
        (rest, 2)
    } else if unsigned.len() > 1 && unsigned.starts_with('0') {
        (&unsigned[1..], 8)
    } else {
        (unsigned, 10)
    };
    let magnitude = parse_digits(digits, radix)?;
    if negative {
        let value = -magnitude;
        (value >= i128::from(i64::MIN)).then_some(value)
    } else {
        (magnitude <= i128::from(u64::MAX)).then_some(magnitude)
    }
}

fn strip_prefix_ci<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// Digits of one radix, no sign, no separators; `None` when empty, invalid or above u64.
fn parse_digits(digits: &str, radix: u32) -> Option<i128> {
    if digits.is_empty() {
        return None;
    }
    let mut value: i128 = 0;
    for c in digits.chars() {
        value = value * i128::from(radix) + i128::from(c.to_digit(radix)?);
        if value > i128::from(u64::MAX) {
            return None;
        }
    }
    Some(value)
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_style_float(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseFloat` on the decimal forms go-yaml can reach here. Rust's parser
/// also accepts `inf`/`nan` words, which Go's does too but which never reach this point
/// (they do not start with a digit, sign or dot followed by a digit).
fn parse_go_float(text: &str) -> Option<f64> {
    if !text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    text.parse::<f64>().ok()
}

/// go-yaml's `parseTimestamp`: `YYYY-M-D`, optionally followed by `T`/`t`/space and a time.
fn is_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() < 8 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let mut i = 5;
    let Some(month) = take_number(b, &mut i, 2) else {
        return false;
    };
    if b.get(i) != Some(&b'-') {
        return false;
    }
    i += 1;
    let Some(day) = take_number(b, &mut i, 2) else {
        return false;
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return false;
    }
    match b.get(i) {
        None => true,
        Some(b'T' | b't' | b' ') => is_time(&b[i + 1..], b[i] != b' '),
        Some(_) => false,
    }
}

/// `15:4:5[.999999999]` followed by a zone (`Z` or `±07:00`) when `zoned`, by nothing otherwise.
fn is_time(b: &[u8], zoned: bool) -> bool {
    let mut i = 0;
    let Some(hour) = take_number(b, &mut i, 2) else {
        return false;
    };
    if b.get(i) != Some(&b':') {
        return false;
    }
    i += 1;
    let Some(minute) = take_number(b, &mut i, 2) else {
        return false;
    };
    if b.get(i) != Some(&b':') {
        return false;
    }
    i += 1;
    let Some(second) = take_number(b, &mut i, 2) else {
        return false;
    };
    if hour > 23 || minute > 59 || second > 59 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if take_number(b, &mut i, 9).is_none() {
            return false;
        }
    }
    let zone = &b[i..];
    if !zoned {
        return zone.is_empty();
    }
    match zone {
        [b'Z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|d| d.is_ascii_digit()),
        _ => false,
    }
}

fn take_number(b: &[u8], i: &mut usize, max_digits: usize) -> Option<u32> {
    let start = *i;
    while *i < b.len() && *i - start < max_digits && b[*i].is_ascii_digit() {
        *i += 1;
    }
    std::str::from_utf8(&b[start..*i]).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Resolved::*;

    #[test]
    fn yaml_1_1_booleans() {
        for t in [
            "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
        ] {
            assert_eq!(resolve_plain(t), Bool(true), "{t}");
        }
        for f in [
            "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
        ] {
            assert_eq!(resolve_plain(f), Bool(false), "{f}");
        }
        for s in ["yES", "oN", "tRue", "Nope", "okay", "t", "f"] {
            assert_eq!(resolve_plain(s), Str, "{s}");
        }
    }

    #[test]
    fn nulls() {
        for n in ["", "~", "null", "Null", "NULL"] {
            assert_eq!(resolve_plain(n), Null, "{n:?}");
        }
        assert_eq!(resolve_plain("nULL"), Str);
    }

    #[test]
    fn integers_follow_go_base_zero_syntax() {
        let cases: &[(&str, i64)] = &[
            ("0", 0),
            ("42", 42),
            ("+42", 42),
            ("-42", -42),
            ("0644", 420),
            ("0755", 493),
            ("0o755", 493),
            ("0x1F", 31),
            ("0X1f", 31),
            ("0b101", 5),
            ("-0b101", -5),
            ("1_000", 1000),
            ("1_000_000", 1_000_000),
            ("1__", 1),
            ("-9223372036854775808", i64::MIN),
        ];
        for (text, value) in cases {
            assert_eq!(resolve_plain(text), Int(*value), "{text}");
        }
        assert_eq!(resolve_plain("18446744073709551615"), Uint(u64::MAX));
    }

    #[test]
    fn invalid_octal_becomes_a_float_like_go_yaml() {
        // ParseInt("08", 0) fails; the YAML float pattern then matches.
        assert_eq!(resolve_plain("08"), Float(8.0));
        assert_eq!(resolve_plain("09.5"), Float(9.5));
    }

    #[test]
    fn floats() {
        let cases: &[(&str, f64)] = &[
            ("1.5", 1.5),
            ("-1.5", -1.5),
            (".5", 0.5),
            ("5.", 5.0),
            ("1e3", 1000.0),
            ("1E-3", 0.001),
            ("+1.0e+2", 100.0),
            ("1_000.5", 1000.5),
        ];
        for (text, value) in cases {
            assert_eq!(resolve_plain(text), Float(*value), "{text}");
        }
        assert!(matches!(resolve_plain(".nan"), Float(f) if f.is_nan()));
        assert_eq!(resolve_plain(".inf"), Float(f64::INFINITY));
        assert_eq!(resolve_plain("-.Inf"), Float(f64::NEG_INFINITY));
    }

    #[test]
    fn strings_that_look_numeric() {
        for s in [
            "1.2.3", "1e", "e3", ".", "-", "+", "0x", "0xZZ", "1-2", "12.5%", "25%", "500m", "1Gi",
            "v1", "1:2", "+.5x", "inf", "nan", "0o8",
        ] {
            assert_eq!(resolve_plain(s), Str, "{s}");
        }
    }

    #[test]
    fn timestamps() {
        for t in [
            "2001-12-14",
            "2001-1-2",
            "2001-12-14T21:59:43.10Z",
            "2001-12-14t21:59:43.10-05:00",
            "2001-12-14 21:59:43.10",
        ] {
            assert_eq!(resolve_plain(t), Timestamp, "{t}");
        }
        for s in [
            "2001-13-14",
            "2001-12-14X",
            "201-12-14",
            "2001-12-14 21:59:43.10 -5",
        ] {
            assert_eq!(resolve_plain(s), Str, "{s}");
        }
    }

    #[test]
    fn merge_key_is_a_string_here() {
        // `<<` is recognised by the tree builder; as a scalar it is just text.
        assert_eq!(resolve_plain("<<"), Str);
    }

    #[test]
    fn tags() {
        assert_eq!(resolve_tagged("yes", CoreTag::Str), Some(Str));
        assert_eq!(resolve_tagged("12", CoreTag::Float), Some(Float(12.0)));
        assert_eq!(resolve_tagged("12", CoreTag::Int), Some(Int(12)));
        assert_eq!(resolve_tagged("twelve", CoreTag::Int), None);
        assert_eq!(resolve_tagged("on", CoreTag::Bool), Some(Bool(true)));
        assert_eq!(resolve_tagged("x", CoreTag::Other), Some(Str));
        assert_eq!(
            resolve_tagged("2001-01-01", CoreTag::Timestamp),
            Some(Timestamp)
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in "\\PC{0,24}") {
            let _ = resolve_plain(&text);
            let _ = resolve_tagged(&text, CoreTag::Int);
            let _ = resolve_tagged(&text, CoreTag::Timestamp);
        }

        #[test]
        fn decimal_integers_resolve_to_themselves(n in proptest::num::i64::ANY) {
            let text = n.to_string();
            // Leading zeros never appear in to_string, so this is base 10.
            proptest::prop_assert_eq!(resolve_plain(&text), Int(n));
        }
    }
}
