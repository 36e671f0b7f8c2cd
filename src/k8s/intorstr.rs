//! IntOrString as the API server validates and the controllers scale it
//! (apimachinery pkg/util/intstr `GetScaledValueFromIntOrPercent`, SEMANTICS.md §0.4).

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntOrPercent {
    Int(i64),
    /// `25%`: a non-negative whole percentage.
    Percent(i64),
}

/// Why a value is rejected by the API server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidIntOrPercent {
    pub text: String,
}

impl IntOrPercent {
    /// Parses as the API server validates (`IsValidPercent`): a string must be digits followed
    /// by `%`; `"1"`, `"12.5%"`, `"-1%"` are rejected.
    pub fn parse(value: &IntOrString) -> Result<Self, InvalidIntOrPercent> {
        match value {
            IntOrString::Int(n) => Ok(IntOrPercent::Int(i64::from(*n))),
            IntOrString::String(text) => text
                .strip_suffix('%')
                .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|digits| digits.parse().ok())
                .map(IntOrPercent::Percent)
                .ok_or_else(|| InvalidIntOrPercent { text: text.clone() }),
        }
    }

    /// `GetScaledValueFromIntOrPercent`: a percentage of `total`, rounded up or down.
    pub fn scale(self, total: i64, round_up: bool) -> i64 {
        match self {
            IntOrPercent::Int(n) => n,
            IntOrPercent::Percent(p) => {
                let product = p.saturating_mul(total);
                if round_up {
                    product.saturating_add(99).div_euclid(100)
                } else {
                    product.div_euclid(100)
                }
            }
        }
    }

    pub fn is_zero(self) -> bool {
        matches!(self, IntOrPercent::Int(0) | IntOrPercent::Percent(0))
    }
}

impl std::fmt::Display for IntOrPercent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IntOrPercent::Int(n) => write!(f, "{n}"),
            IntOrPercent::Percent(p) => write!(f, "{p}%"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> IntOrString {
        IntOrString::String(text.to_string())
    }

    #[test]
    fn parse_like_the_api_server() {
        assert_eq!(
            IntOrPercent::parse(&IntOrString::Int(1)),
            Ok(IntOrPercent::Int(1))
        );
        assert_eq!(
            IntOrPercent::parse(&s("25%")),
            Ok(IntOrPercent::Percent(25))
        );
        assert_eq!(IntOrPercent::parse(&s("0%")), Ok(IntOrPercent::Percent(0)));
        for bad in ["1", "12.5%", "-1%", "%", "", "25 %", "+5%"] {
            assert!(IntOrPercent::parse(&s(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn surge_rounds_up_unavailable_rounds_down() {
        let quarter = IntOrPercent::Percent(25);
        let table = [
            (1, 1, 0),
            (2, 1, 0),
            (3, 1, 0),
            (4, 1, 1),
            (5, 2, 1),
            (7, 2, 1),
            (8, 2, 2),
        ];
        for (replicas, surge, unavailable) in table {
            assert_eq!(quarter.scale(replicas, true), surge, "surge at {replicas}");
            assert_eq!(
                quarter.scale(replicas, false),
                unavailable,
                "unavailable at {replicas}"
            );
        }
        assert_eq!(IntOrPercent::Int(3).scale(100, false), 3);
    }
}
