//! Exact Kubernetes `resource.Quantity` parsing and comparison.
//!
//! Mirrors `ParseQuantity` in kubernetes/apimachinery `pkg/api/resource/quantity.go`
//! (suffix tables from `suffix.go`):
//!
//! ```text
//! <quantity>     ::= <signedNumber><suffix>
//! <signedNumber> ::= [+-]? <number>
//! <number>       ::= digits | digits.digits | digits. | .digits
//! <suffix>       ::= binarySI | decimalSI | decimalExponent
//! binarySI       ::= Ki Mi Gi Ti Pi Ei                  (2^10 .. 2^60)
//! decimalSI      ::= n u m "" k M G T P E               (1e-9 .. 1e18)
//! decimalExp     ::= e<signedNumber> | E<signedNumber>  (129e6, 1E3, 1e+09, 1e-3)
//! ```
//!
//! # Representation
//!
//! The API server never keeps more than nano precision: parsing rounds a non-zero
//! value finer than `1n` *away from zero* to the next nano (`0.9n` becomes `1n`), and
//! silently caps a binarySI quantity at `2^63-1` in magnitude (`8Ei` becomes
//! `9223372036854775807`). A [`Quantity`] therefore stores the value the API server
//! stores, as an exact `i128` count of nano-units; equality and ordering are exact
//! on that count (`1Gi == 1073741824`, `0.5 == 500m`, `1E == 1e18`).
//!
//! # Limits
//!
//! A parsed or computed quantity must have a magnitude below `10^29` (at most 38
//! decimal digits of nano-units, so it always fits an `i128`). Larger decimal
//! quantities such as `1e999999999` give [`QuantityError::OutOfRange`] (after work
//! proportional to the text length, never to the exponent). BinarySI quantities
//! cannot exceed the limit because Kubernetes caps them; see [`Quantity::was_capped`].
//! Exponents are parsed as Kubernetes does, as a Go `int64`, so a longer exponent
//! is a suffix error even when the mantissa is zero.
//!
//! # Canonical text of computed quantities
//!
//! Results of [`Quantity::checked_add`], [`Quantity::checked_mul_int`] and
//! [`Quantity::round_up_milli`] get the Kubernetes canonical form
//! (`CanonicalizeBytes`): no fractional digits, the largest suffix that loses no
//! precision, in the family of the left operand (`1.5` → `1500m`, `1.5Gi` →
//! `1536Mi`, `2e3` in exponent form → `2e3`). Like Kubernetes, a binarySI value
//! below 1024 or with a fractional part is written in decimalSI; unlike Kubernetes,
//! a binarySI value above `2^63-1` is also written in decimalSI so that the text
//! parses back to the same value instead of being capped.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// Nano-units per unit: Kubernetes keeps quantities to nano precision.
const NANOS_PER_UNIT: i128 = 1_000_000_000;
/// Nano-units per milli-unit, the precision resource defaulting rounds up to.
const NANOS_PER_MILLI: i128 = 1_000_000;
/// Most decimal digits a magnitude in nano-units may have.
const MAX_NANO_DIGITS: usize = 38;
/// Largest magnitude in nano-units: `10^38 - 1`, i.e. just below `10^29` units.
const MAX_NANOS: i128 = 10_i128.pow(MAX_NANO_DIGITS as u32) - 1;
/// Kubernetes caps parsed binarySI quantities at `2^63-1` units in magnitude.
const BINARY_CAP_NANOS: i128 = i64::MAX as i128 * NANOS_PER_UNIT;
/// Binary suffixes by power of 1024, as `suffix.go` lists them.
const BINARY_SUFFIXES: [&str; 7] = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
/// Characters `splitREString` allows in the suffix part before an optional sign.
const SUFFIX_LETTERS: &str = "eEinumkKMGTP";

/// Which suffix family a quantity's text uses (Kubernetes `Format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SuffixKind {
    /// `Ki`, `Mi`, `Gi`, `Ti`, `Pi`, `Ei`.
    BinarySI,
    /// `n`, `u`, `m`, no suffix, `k`, `M`, `G`, `T`, `P`, `E`.
    DecimalSI,
    /// `e<exponent>` or `E<exponent>`.
    DecimalExponent,
}

/// Why a text is not a valid quantity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    /// The text is empty (Kubernetes reports its format error).
    #[error(
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    )]
    Empty,
    /// The text is not `<signedNumber><suffix>`: no digits, a second dot, or a
    /// character the suffix cannot contain (Kubernetes `ErrFormatWrong`).
    #[error(
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    )]
    InvalidNumber,
    /// The suffix has the right characters but is not a known suffix or a decimal
    /// exponent that fits an `int64`, e.g. `K`, `ki`, `e` (Kubernetes `ErrSuffix`).
    #[error("unable to parse quantity's suffix")]
    InvalidSuffix(String),
    /// The magnitude is `10^29` or more, too large to hold exactly.
    #[error("quantity is too large: its magnitude must be below 1e29")]
    OutOfRange,
}

/// A Kubernetes resource quantity: its exact value and the text it came from.
#[derive(Debug, Clone)]
pub struct Quantity {
    /// The value in nano-units, as the API server stores it.
    nanos: i128,
    /// The text as written, or the canonical text of a computed quantity.
    text: String,
    /// The suffix family of `text`.
    kind: SuffixKind,
    /// Whether parsing capped a binarySI value at `2^63-1`.
    capped: bool,
}

/// The multiplier a suffix stands for.
#[derive(Debug, Clone, Copy)]
enum Multiplier {
    /// `10^power`.
    Decimal(i64),
    /// `2^power`.
    Binary(u32),
}

impl Quantity {
    /// Parses `text` exactly as `ParseQuantity` does: no surrounding whitespace and
    /// no quotes are accepted.
    ///
    /// One deliberate difference: Kubernetes' scanner accepts a number without
    /// digits (`.`, `+`, `-e5`) as zero, which the documented grammar forbids; this
    /// parser follows the grammar and rejects them.
    pub fn parse(text: &str) -> Result<Quantity, QuantityError> {
        if text.is_empty() {
            return Err(QuantityError::Empty);
        }
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (whole, rest) = split_digits(unsigned);
        let (fraction, suffix) = match rest.strip_prefix('.') {
            Some(after_dot) => split_digits(after_dot),
            None => ("", rest),
        };
        if whole.is_empty() && fraction.is_empty() {
            return Err(QuantityError::InvalidNumber);
        }
        check_suffix_shape(suffix)?;
        let (multiplier, kind) = interpret_suffix(suffix)?;

        let mut digits: Vec<u8> = whole
            .bytes()
            .chain(fraction.bytes())
            .map(|b| b - b'0')
            .skip_while(|&d| d == 0)
            .collect();
        // `fraction` is at most the text length, far below i128 range.
        let fraction_len = i128::try_from(fraction.len()).map_err(|_| QuantityError::OutOfRange)?;
        let (magnitude, capped) = match multiplier {
            Multiplier::Decimal(power) => {
                let shift = i128::from(power) - fraction_len + 9;
                let magnitude = scale_to_nanos(&digits, shift).ok_or(QuantityError::OutOfRange)?;
                (magnitude, false)
            }
            Multiplier::Binary(power) => {
                multiply_by_power_of_two(&mut digits, power);
                match scale_to_nanos(&digits, 9 - fraction_len) {
                    Some(magnitude) if magnitude <= BINARY_CAP_NANOS => (magnitude, false),
                    _ => (BINARY_CAP_NANOS, true),
                }
            }
        };
        Ok(Quantity {
            nanos: if negative { -magnitude } else { magnitude },
            text: text.to_owned(),
            kind,
            capped,
        })
    }

    /// Parses a manifest value the way the API server decodes it (`UnmarshalJSON`
    /// trims surrounding whitespace before `ParseQuantity`). [`Quantity::text`] keeps
    /// the untrimmed text so findings quote what was written.
    pub fn parse_manifest_value(text: &str) -> Result<Quantity, QuantityError> {
        let mut quantity = Quantity::parse(text.trim())?;
        text.clone_into(&mut quantity.text);
        Ok(quantity)
    }

    /// The quantity zero, written `0`: the starting point for sums.
    pub fn zero() -> Quantity {
        Quantity {
            nanos: 0,
            text: "0".to_owned(),
            kind: SuffixKind::DecimalSI,
            capped: false,
        }
    }

    /// The original text (or the canonical text of a computed quantity).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the value is below zero (it parses; validation rejects it for resources).
    pub fn is_negative(&self) -> bool {
        self.nanos < 0
    }

    /// Whether the value is exactly zero.
    pub fn is_zero(&self) -> bool {
        self.nanos == 0
    }

    /// `MilliValue()`: the value in milli-units, rounded away from zero as
    /// Kubernetes does (`ceil(q*1000)` for non-negative `q`).
    pub fn milli_value(&self) -> i128 {
        div_away_from_zero(self.nanos, NANOS_PER_MILLI)
    }

    /// `Value()`: the value in units, rounded away from zero as Kubernetes does
    /// (`ceil(q)` for non-negative `q`, so `-1.5` gives `-2`).
    pub fn value(&self) -> i128 {
        div_away_from_zero(self.nanos, NANOS_PER_UNIT)
    }

    /// The nearest `f64`, for ratios and messages; never for equality.
    pub fn as_f64(&self) -> f64 {
        self.nanos as f64 / NANOS_PER_UNIT as f64
    }

    /// Whether the value is a whole number (extended resources must be).
    pub fn is_integer(&self) -> bool {
        self.nanos % NANOS_PER_UNIT == 0
    }

    /// The suffix family of [`Quantity::text`]; no suffix counts as decimalSI.
    ///
    /// This is the family as written: Kubernetes re-labels a binarySI value below 1
    /// (`0.0001Ki`) as decimalSI when it serializes it, this does not.
    pub fn suffix_kind(&self) -> SuffixKind {
        self.kind
    }

    /// Whether the value is finer than `1m` (`0.1m`, `1n`): CPU must not be, and
    /// defaulting rounds such resource values up.
    pub fn has_sub_milli_precision(&self) -> bool {
        self.nanos % NANOS_PER_MILLI != 0
    }

    /// Whether Kubernetes silently capped this binarySI text at `2^63-1`
    /// (`8Ei` and above): the stored value then differs from the written one.
    pub fn was_capped(&self) -> bool {
        self.capped
    }

    /// The quantity after resource defaulting (`SetDefaults_ResourceList`,
    /// `RoundUp(-3)`): rounded away from zero to milli precision. An already
    /// milli-precise quantity is returned unchanged, text included.
    pub fn round_up_milli(&self) -> Quantity {
        if !self.has_sub_milli_precision() {
            return self.clone();
        }
        // The rounded magnitude exceeds the original by less than 1m, so it only
        // leaves the range for values within 1m of the limit; keep those as they are.
        self.milli_value()
            .checked_mul(NANOS_PER_MILLI)
            .and_then(|nanos| Quantity::from_nanos(nanos, self.kind))
            .unwrap_or_else(|| self.clone())
    }

    /// The exact sum, or `None` when it leaves the representable range. The text
    /// is canonical, in this quantity's family (the other's when this one is zero).
    pub fn checked_add(&self, other: &Quantity) -> Option<Quantity> {
        let kind = if self.is_zero() {
            other.kind
        } else {
            self.kind
        };
        Quantity::from_nanos(self.nanos.checked_add(other.nanos)?, kind)
    }

    /// The exact product with an integer (e.g. replicas), or `None` when it leaves
    /// the representable range. The text is canonical, in this quantity's family.
    pub fn checked_mul_int(&self, n: i64) -> Option<Quantity> {
        Quantity::from_nanos(self.nanos.checked_mul(i128::from(n))?, self.kind)
    }

    /// A computed quantity with canonical text, if `nanos` is in range.
    fn from_nanos(nanos: i128, preferred: SuffixKind) -> Option<Quantity> {
        if nanos.unsigned_abs() > MAX_NANOS.unsigned_abs() {
            return None;
        }
        let (text, kind) = canonical_text(nanos, preferred);
        Some(Quantity {
            nanos,
            text,
            kind,
            capped: false,
        })
    }
}

impl Default for Quantity {
    fn default() -> Self {
        Quantity::zero()
    }
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.nanos == other.nanos
    }
}

impl Eq for Quantity {}

impl Hash for Quantity {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.nanos.hash(state);
    }
}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        self.nanos.cmp(&other.nanos)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Quantity {
    type Err = QuantityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Quantity::parse(s)
    }
}

/// Splits `s` into its leading ASCII digits and the rest.
fn split_digits(s: &str) -> (&str, &str) {
    let rest = s.trim_start_matches(|c: char| c.is_ascii_digit());
    (s.strip_suffix(rest).unwrap_or_default(), rest)
}

/// Checks the suffix against `[eEinumkKMGTP]*[-+]?[0-9]*`, the suffix half of
/// `splitREString`; anything else is a format error, not a suffix error.
fn check_suffix_shape(suffix: &str) -> Result<(), QuantityError> {
    let after_letters = suffix.trim_start_matches(|c: char| SUFFIX_LETTERS.contains(c));
    let after_sign = after_letters
        .strip_prefix(['+', '-'])
        .unwrap_or(after_letters);
    if after_sign.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(QuantityError::InvalidNumber)
    }
}

/// `suffixHandler.interpret`: the tables first (so `E` is exa), then a decimal
/// exponent parsed as a Go `int64` (so `E3` is `10^3`, `e` alone is invalid).
fn interpret_suffix(suffix: &str) -> Result<(Multiplier, SuffixKind), QuantityError> {
    let decimal = |power| Ok((Multiplier::Decimal(power), SuffixKind::DecimalSI));
    let binary = |power| Ok((Multiplier::Binary(power), SuffixKind::BinarySI));
    match suffix {
        "n" => decimal(-9),
        "u" => decimal(-6),
        "m" => decimal(-3),
        "" => decimal(0),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        "Ki" => binary(10),
        "Mi" => binary(20),
        "Gi" => binary(30),
        "Ti" => binary(40),
        "Pi" => binary(50),
        "Ei" => binary(60),
        _ => suffix
            .strip_prefix(['e', 'E'])
            .and_then(|exponent| exponent.parse::<i64>().ok())
            .map(|power| (Multiplier::Decimal(power), SuffixKind::DecimalExponent))
            .ok_or_else(|| QuantityError::InvalidSuffix(suffix.to_owned())),
    }
}

/// Multiplies a big-endian decimal digit string by `2^power` (`power <= 60`) in place.
fn multiply_by_power_of_two(digits: &mut Vec<u8>, power: u32) {
    let factor = 1_u128 << power;
    let mut carry = 0_u128;
    for digit in digits.iter_mut().rev() {
        let product = u128::from(*digit) * factor + carry;
        *digit = (product % 10) as u8;
        carry = product / 10;
    }
    let mut high = Vec::new();
    while carry > 0 {
        high.push((carry % 10) as u8);
        carry /= 10;
    }
    high.reverse();
    digits.splice(0..0, high);
}

/// `digits × 10^shift` rounded away from zero to an integer, for a big-endian
/// digit string without leading zeros; `None` when it exceeds [`MAX_NANOS`].
/// Costs time linear in `digits`, whatever `shift` is.
fn scale_to_nanos(digits: &[u8], shift: i128) -> Option<i128> {
    if digits.is_empty() {
        return Some(0);
    }
    let len = i128::try_from(digits.len()).ok()?;
    let (kept, rounds_up) = if shift >= 0 {
        (digits, false)
    } else if -shift >= len {
        // Non-zero and below one: Kubernetes rounds it up to the smallest unit.
        (&digits[..0], true)
    } else {
        let (kept, dropped) = digits.split_at(usize::try_from(len + shift).ok()?);
        (kept, dropped.iter().any(|&d| d != 0))
    };
    let zeros = shift.max(0);
    if i128::try_from(kept.len()).ok()? + zeros > MAX_NANO_DIGITS as i128 {
        return None;
    }
    let mantissa = kept.iter().fold(0_i128, |acc, &d| acc * 10 + i128::from(d));
    let scaled = mantissa.checked_mul(10_i128.checked_pow(u32::try_from(zeros).ok()?)?)?;
    let magnitude = scaled + i128::from(rounds_up);
    (magnitude <= MAX_NANOS).then_some(magnitude)
}

/// `numerator / denominator` rounded away from zero (Kubernetes `AsScaledInt64`).
fn div_away_from_zero(numerator: i128, denominator: i128) -> i128 {
    let quotient = numerator / denominator;
    match (numerator % denominator).signum() {
        1 => quotient + 1,
        -1 => quotient - 1,
        _ => quotient,
    }
}

/// Kubernetes' canonical text for `nanos` in the `preferred` family, and the
/// family actually used (see the module documentation).
fn canonical_text(nanos: i128, preferred: SuffixKind) -> (String, SuffixKind) {
    if nanos == 0 {
        return ("0".to_owned(), SuffixKind::DecimalSI);
    }
    if preferred == SuffixKind::BinarySI
        && nanos % NANOS_PER_UNIT == 0
        && (1024 * NANOS_PER_UNIT..=BINARY_CAP_NANOS).contains(&nanos.abs())
    {
        let mut mantissa = nanos / NANOS_PER_UNIT;
        let mut power = 0;
        while power + 1 < BINARY_SUFFIXES.len() && mantissa % 1024 == 0 {
            mantissa /= 1024;
            power += 1;
        }
        // Without a suffix the text reads as decimalSI, as Kubernetes writes it too.
        let kind = if power == 0 {
            SuffixKind::DecimalSI
        } else {
            SuffixKind::BinarySI
        };
        let suffix = BINARY_SUFFIXES.get(power).copied().unwrap_or_default();
        return (format!("{mantissa}{suffix}"), kind);
    }
    // mantissa × 10^exponent == nanos × 10^-9 throughout, with the exponent ending
    // on a multiple of 3 no lower than -9, so the mantissa never overflows.
    let (mut mantissa, mut exponent) = (nanos, -9_i32);
    while mantissa % 10 == 0 {
        mantissa /= 10;
        exponent += 1;
    }
    while exponent % 3 != 0 {
        mantissa *= 10;
        exponent -= 1;
    }
    let si_suffix = match exponent {
        -9 => Some("n"),
        -6 => Some("u"),
        -3 => Some("m"),
        0 => Some(""),
        3 => Some("k"),
        6 => Some("M"),
        9 => Some("G"),
        12 => Some("T"),
        15 => Some("P"),
        18 => Some("E"),
        _ => None,
    };
    match (preferred, si_suffix) {
        (SuffixKind::DecimalExponent, _) if exponent != 0 => (
            format!("{mantissa}e{exponent}"),
            SuffixKind::DecimalExponent,
        ),
        (SuffixKind::DecimalExponent, _) => (mantissa.to_string(), SuffixKind::DecimalExponent),
        (_, Some(suffix)) => (format!("{mantissa}{suffix}"), SuffixKind::DecimalSI),
        // DecimalSI has no suffix above E (10^18); Kubernetes falls back to exponents.
        (_, None) => (
            format!("{mantissa}e{exponent}"),
            SuffixKind::DecimalExponent,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::time::{Duration, Instant};

    fn q(text: &str) -> Quantity {
        match Quantity::parse(text) {
            Ok(quantity) => quantity,
            Err(err) => panic!("{text:?} should parse: {err}"),
        }
    }

    fn nanos(text: &str) -> i128 {
        q(text).nanos
    }

    #[test]
    fn every_suffix_has_its_value() {
        let table: [(&str, i128, SuffixKind); 16] = [
            ("1n", 1, SuffixKind::DecimalSI),
            ("1u", 1_000, SuffixKind::DecimalSI),
            ("1m", 1_000_000, SuffixKind::DecimalSI),
            ("1", NANOS_PER_UNIT, SuffixKind::DecimalSI),
            ("1k", 1_000 * NANOS_PER_UNIT, SuffixKind::DecimalSI),
            ("1M", 10_i128.pow(6) * NANOS_PER_UNIT, SuffixKind::DecimalSI),
            ("1G", 10_i128.pow(9) * NANOS_PER_UNIT, SuffixKind::DecimalSI),
            (
                "1T",
                10_i128.pow(12) * NANOS_PER_UNIT,
                SuffixKind::DecimalSI,
            ),
            (
                "1P",
                10_i128.pow(15) * NANOS_PER_UNIT,
                SuffixKind::DecimalSI,
            ),
            (
                "1E",
                10_i128.pow(18) * NANOS_PER_UNIT,
                SuffixKind::DecimalSI,
            ),
            ("1Ki", (1 << 10) * NANOS_PER_UNIT, SuffixKind::BinarySI),
            ("1Mi", (1 << 20) * NANOS_PER_UNIT, SuffixKind::BinarySI),
            ("1Gi", (1 << 30) * NANOS_PER_UNIT, SuffixKind::BinarySI),
            ("1Ti", (1 << 40) * NANOS_PER_UNIT, SuffixKind::BinarySI),
            ("1Pi", (1 << 50) * NANOS_PER_UNIT, SuffixKind::BinarySI),
            ("1Ei", (1 << 60) * NANOS_PER_UNIT, SuffixKind::BinarySI),
        ];
        for (text, expected, kind) in table {
            let quantity = q(text);
            assert_eq!(quantity.nanos, expected, "{text}");
            assert_eq!(quantity.suffix_kind(), kind, "{text}");
        }
    }

    #[test]
    fn decimal_exponents() {
        for (text, expected) in [
            ("129e6", 129_000_000 * NANOS_PER_UNIT),
            ("1E3", 1_000 * NANOS_PER_UNIT),
            ("1e3", 1_000 * NANOS_PER_UNIT),
            ("1e+09", 1_000_000_000 * NANOS_PER_UNIT),
            ("1e-3", 1_000_000),
            ("1E-9", 1),
            ("1.5e3", 1_500 * NANOS_PER_UNIT),
            ("-2e0", -2 * NANOS_PER_UNIT),
            ("1e-0", NANOS_PER_UNIT),
        ] {
            assert_eq!(nanos(text), expected, "{text}");
            assert_eq!(q(text).suffix_kind(), SuffixKind::DecimalExponent, "{text}");
        }
    }

    #[test]
    fn accepted_number_forms() {
        for (text, expected) in [
            ("1k", 1_000 * NANOS_PER_UNIT),
            ("1.5Gi", 1_610_612_736 * NANOS_PER_UNIT),
            (".5", 500_000_000),
            ("5.", 5 * NANOS_PER_UNIT),
            ("5.Gi", 5 * (1 << 30) * NANOS_PER_UNIT),
            ("+1", NANOS_PER_UNIT),
            ("-1", -NANOS_PER_UNIT),
            ("-.5m", -500_000),
            ("0", 0),
            ("-0", 0),
            ("000123", 123 * NANOS_PER_UNIT),
            ("0.000", 0),
            ("0e999999999999", 0),
            ("100m", 100_000_000),
            ("250u", 250_000),
            ("7n", 7),
        ] {
            assert_eq!(nanos(text), expected, "{text}");
        }
        assert!(q("-1").is_negative());
        assert!(!q("1").is_negative());
        assert!(q("0Mi").is_zero());
        assert!(!q("-0").is_negative());
    }

    #[test]
    fn rejections() {
        use QuantityError::{Empty, InvalidNumber, InvalidSuffix};
        let suffix = |s: &str| InvalidSuffix(s.to_owned());
        for (text, expected) in [
            ("", Empty),
            ("1K", suffix("K")),
            ("1KB", InvalidNumber),
            ("1.5Gb", InvalidNumber),
            ("512mb", InvalidNumber),
            ("2GB", InvalidNumber),
            ("1Kk", suffix("Kk")),
            ("1ki", suffix("ki")),
            ("1KI", InvalidNumber),
            ("ki", InvalidNumber),
            ("1e", suffix("e")),
            ("1E+", suffix("E+")),
            ("1ee3", suffix("ee3")),
            ("1Mi3", suffix("Mi3")),
            ("1e99999999999999999999", suffix("e99999999999999999999")),
            ("1 Gi", InvalidNumber),
            (" 1", InvalidNumber),
            ("1 ", InvalidNumber),
            (".", InvalidNumber),
            ("+", InvalidNumber),
            ("-e5", InvalidNumber),
            ("abc", InvalidNumber),
            ("1.2.3", InvalidNumber),
            ("1..2", InvalidNumber),
            ("0x10", InvalidNumber),
            ("--1", InvalidNumber),
            ("+-1", InvalidNumber),
            ("1e3i", InvalidNumber),
            ("1e+-3", InvalidNumber),
            ("\"1\"", InvalidNumber),
            ("1Gi\n", InvalidNumber),
            ("１", InvalidNumber),
        ] {
            assert_eq!(Quantity::parse(text).err(), Some(expected), "{text:?}");
        }
    }

    #[test]
    fn error_messages_match_kubernetes() {
        assert_eq!(
            QuantityError::InvalidNumber.to_string(),
            "quantities must match the regular expression \
             '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        );
        assert_eq!(
            QuantityError::InvalidSuffix("K".to_owned()).to_string(),
            "unable to parse quantity's suffix"
        );
    }

    #[test]
    fn manifest_values_are_trimmed_like_unmarshal_json() {
        let quantity = Quantity::parse_manifest_value(" 1Gi\t").expect("trimmed");
        assert_eq!(quantity, q("1Gi"));
        assert_eq!(quantity.text(), " 1Gi\t");
        assert_eq!(
            Quantity::parse_manifest_value("  ").err(),
            Some(QuantityError::Empty)
        );
    }

    #[test]
    fn exact_equalities() {
        for (a, b) in [
            ("1Gi", "1073741824"),
            ("1G", "1000M"),
            ("0.5", "500m"),
            ("1E3", "1k"),
            ("1E", "1e18"),
            ("1Ki", "1024"),
            ("1.5Gi", "1536Mi"),
            ("1e-3", "1m"),
            ("0.001", "1m"),
            ("1000n", "1u"),
            ("+1", "1"),
            ("0", "-0"),
            ("0.5Ki", "512"),
        ] {
            assert_eq!(q(a), q(b), "{a} == {b}");
        }
        assert_ne!(q("1Ki"), q("1k"));
    }

    #[test]
    fn exact_orderings() {
        assert!(q("100m") < q("0.2"));
        assert!(q("1Mi") > q("1M"));
        assert!(q("-1") < q("0"));
        assert!(q("999999999n") < q("1"));
        assert!(q("1Ei") > q("1E"));
        assert_eq!(std::cmp::max(q("1Gi"), q("1G")).text(), "1Gi");
    }

    #[test]
    fn text_and_display_keep_the_original() {
        for text in ["1.50Gi", "+1", "1E3", "05", "1e+09"] {
            assert_eq!(q(text).text(), text);
            assert_eq!(q(text).to_string(), text);
            assert_eq!(
                text.parse::<Quantity>().map(|p| p.to_string()).ok(),
                Some(text.to_owned())
            );
        }
    }

    #[test]
    fn values_round_away_from_zero() {
        assert_eq!(q("0.1m").milli_value(), 1);
        assert_eq!(q("1n").milli_value(), 1);
        assert_eq!(q("1.5").value(), 2);
        assert_eq!(q("1.5").milli_value(), 1_500);
        assert_eq!(q("1").value(), 1);
        assert_eq!(q("1Ki").value(), 1_024);
        assert_eq!(q("-1.5").value(), -2);
        assert_eq!(q("-0.1m").milli_value(), -1);
        assert_eq!(q("0").value(), 0);
    }

    #[test]
    fn sub_nano_values_round_up_to_one_nano_like_kubernetes() {
        assert_eq!(q("0.9n"), q("1n"));
        assert_eq!(q("0.1n"), q("1n"));
        assert_eq!(q("1.000000000001"), q("1.000000001"));
        assert_eq!(q("-0.5n"), q("-1n"));
        assert_eq!(q("1e-999999999"), q("1n"));
        assert_eq!(q("0.000000000001Ki"), q("2n"));
        assert_eq!(q("0.0001Ki"), q("102400u"));
    }

    #[test]
    fn precision_queries() {
        assert!(q("0.1m").has_sub_milli_precision());
        assert!(q("1n").has_sub_milli_precision());
        assert!(q("1u").has_sub_milli_precision());
        assert!(!q("1m").has_sub_milli_precision());
        assert!(!q("1.5").has_sub_milli_precision());
        assert!(q("2").is_integer());
        assert!(q("1Ki").is_integer());
        assert!(q("2000m").is_integer());
        assert!(!q("1.5").is_integer());
        assert!(!q("1n").is_integer());
        assert!((q("1.5").as_f64() - 1.5).abs() < f64::EPSILON);
        assert!((q("100m").as_f64() - 0.1).abs() < f64::EPSILON);
    }

    #[test]
    fn round_up_milli_matches_resource_defaulting() {
        assert_eq!(q("0.1m").round_up_milli().text(), "1m");
        assert_eq!(q("1.0001").round_up_milli().text(), "1001m");
        assert_eq!(q("-1n").round_up_milli().text(), "-1m");
        let unchanged = q("1.50");
        assert_eq!(unchanged.round_up_milli().text(), "1.50");
    }

    #[test]
    fn huge_values_are_out_of_range_quickly() {
        let start = Instant::now();
        let long_mantissa = format!("1{}", "0".repeat(200_000));
        let long_fraction = format!("0.{}1e-99999", "0".repeat(200_000));
        for text in [
            "1e999999999",
            "1e9223372036854775807",
            "1E29",
            "100000000000000000000000000000",
            "-1e30",
            "1000000000000E",
            long_mantissa.as_str(),
        ] {
            assert_eq!(
                Quantity::parse(text).err(),
                Some(QuantityError::OutOfRange),
                "{}",
                text.get(..20).unwrap_or(text)
            );
        }
        assert_eq!(q(&long_fraction), q("1n"));
        assert_eq!(q("-1e-9223372036854775808"), q("-1n"));
        assert!(start.elapsed() < Duration::from_secs(2));
        // The largest representable magnitude is just below 10^29.
        assert_eq!(nanos("99999999999999999999999999999.999999999"), MAX_NANOS);
        assert_eq!(
            Quantity::parse("99999999999999999999999999999.9999999999").err(),
            Some(QuantityError::OutOfRange)
        );
    }

    #[test]
    fn binary_quantities_are_capped_like_kubernetes() {
        let cap = q("9223372036854775807");
        for text in [
            "8Ei",
            "9999999999999999999999999999999999Ei",
            "16Ei",
            "9100000000000000Ki",
        ] {
            let quantity = q(text);
            assert_eq!(quantity, cap, "{text}");
            assert!(quantity.was_capped(), "{text}");
        }
        assert_eq!(q("-8Ei"), q("-9223372036854775807"));
        assert!(!q("7Ei").was_capped());
        assert_eq!(
            q("7.999999999999999999Ei").value(),
            9_223_372_036_854_775_807
        );
    }

    #[test]
    fn computed_quantities_use_canonical_text() {
        let sum = |a: &str, b: &str| q(a).checked_add(&q(b)).map(|s| s.text().to_owned());
        assert_eq!(sum("1", "500m").as_deref(), Some("1500m"));
        assert_eq!(sum("1Gi", "512Mi").as_deref(), Some("1536Mi"));
        assert_eq!(sum("1Gi", "1Gi").as_deref(), Some("2Gi"));
        assert_eq!(sum("0", "1Gi").as_deref(), Some("1Gi"));
        assert_eq!(sum("1Gi", "100m").as_deref(), Some("1073741824100m"));
        assert_eq!(sum("100", "100").as_deref(), Some("200"));
        assert_eq!(sum("1k", "1k").as_deref(), Some("2k"));
        assert_eq!(sum("1e3", "1e3").as_deref(), Some("2e3"));
        assert_eq!(sum("1e3", "-1e3").as_deref(), Some("0"));
        // Both are capped at 2^63-1; the sum is past the binary cap, so decimal.
        assert_eq!(
            sum("500Ei", "500Ei").as_deref(),
            Some("18446744073709551614")
        );
        let mul = |a: &str, n: i64| q(a).checked_mul_int(n).map(|s| s.text().to_owned());
        assert_eq!(mul("512Mi", 2).as_deref(), Some("1Gi"));
        assert_eq!(mul("250m", 4).as_deref(), Some("1"));
        assert_eq!(mul("1Ki", 0).as_deref(), Some("0"));
        assert_eq!(mul("10", 100).as_deref(), Some("1k"));
        assert_eq!(mul("1E", 1000).as_deref(), Some("1e21"));
        assert_eq!(mul("-1.5", 3).as_deref(), Some("-4500m"));
        assert_eq!(
            mul("1", 1000).map(|t| q(&t).suffix_kind()),
            Some(SuffixKind::DecimalSI)
        );
        assert_eq!(mul("1E18", 1).as_deref(), Some("1e18"));
        assert_eq!(mul("8Ei", 8).as_deref(), Some("73786976294838206456"));
        assert_eq!(mul("1e28", 10), None);
        assert_eq!(mul("1e28", i64::MIN), None);
        assert_eq!(Quantity::zero().text(), "0");
        assert_eq!(Quantity::default(), Quantity::zero());
    }

    #[test]
    fn canonical_text_parses_back_to_the_same_value() {
        for (text, n) in [
            ("1.5Gi", 3),
            ("1n", 7),
            ("3e-7", 11),
            ("1Ki", 1_000_000_000),
            ("999Ei", 1),
            ("0.5Ki", 1),
            ("1E", 100_000),
        ] {
            let product = q(text).checked_mul_int(n).expect("in range");
            assert_eq!(q(product.text()), product, "{text} * {n} = {product}");
        }
    }

    /// Text generated from the grammar, with values kept inside the range.
    fn valid_quantity() -> impl Strategy<Value = String> {
        let number = prop_oneof![
            "[0-9]{1,10}",
            "[0-9]{1,10}\\.[0-9]{1,6}",
            "[0-9]{1,10}\\.",
            "\\.[0-9]{1,6}",
        ];
        let suffix = prop_oneof![
            prop::sample::select(vec![
                "", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi",
                "Ei",
            ])
            .prop_map(str::to_owned),
            ("[eE]", "[+-]?", -15_i32..15).prop_map(|(e, sign, power)| {
                let sign = if power < 0 { "-" } else { sign.as_str() };
                format!("{e}{sign}{}", power.unsigned_abs())
            }),
        ];
        ("[+-]?", number, suffix)
            .prop_map(|(sign, number, suffix)| format!("{sign}{number}{suffix}"))
    }

    proptest! {
        #[test]
        fn parse_never_panics(text in "\\PC*") {
            let _ = Quantity::parse(&text);
        }

        #[test]
        fn parse_never_panics_on_near_misses(text in "[0-9.+\\- eEinumkKMGTP]{0,24}") {
            if let Ok(quantity) = Quantity::parse(&text) {
                prop_assert_eq!(quantity.text(), text.as_str());
            }
        }

        #[test]
        fn grammar_quantities_parse_and_keep_their_text(text in valid_quantity()) {
            let quantity = Quantity::parse(&text);
            prop_assert!(quantity.is_ok(), "{:?}: {:?}", text, quantity);
            let quantity = quantity.map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(quantity.text(), text.as_str());
            prop_assert_eq!(q(&quantity.round_up_milli().to_string()), quantity.round_up_milli());
        }

        #[test]
        fn byte_units_and_upper_case_k_are_rejected(text in valid_quantity()) {
            // What people write by habit: `1.5Gb`, `512MB`, `1K`.
            for bad in [format!("{text}b"), format!("{text}B")] {
                prop_assert!(Quantity::parse(&bad).is_err(), "{bad}");
            }
            let number: String = text.chars().take_while(|c| !c.is_ascii_alphabetic()).collect();
            if !number.is_empty() && number.chars().any(|c| c.is_ascii_digit()) {
                prop_assert_eq!(
                    Quantity::parse(&format!("{number}K")).err(),
                    Some(QuantityError::InvalidSuffix("K".to_owned()))
                );
            }
        }

        #[test]
        fn kibi_multiples_are_exact(n in -(1_i64 << 53)..(1_i64 << 53)) {
            let expected = q(&(i128::from(n) * 1024).to_string());
            prop_assert_eq!(q(&format!("{n}Ki")), expected.clone());
            prop_assert_eq!(q("1Ki").checked_mul_int(n), Some(expected));
        }

        #[test]
        fn ordering_agrees_with_f64(a in valid_quantity(), b in valid_quantity()) {
            let (a, b) = (q(&a), q(&b));
            let (x, y) = (a.as_f64(), b.as_f64());
            if (x - y).abs() > 1e-9 * x.abs().max(y.abs()) {
                prop_assert_eq!(Some(a.cmp(&b)), x.partial_cmp(&y));
            }
            prop_assert_eq!(a.checked_add(&b).map(|s| s.nanos), a.nanos.checked_add(b.nanos));
        }
    }
}
