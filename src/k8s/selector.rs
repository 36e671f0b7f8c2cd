//! Label selectors as the API server and the controllers evaluate them (SEMANTICS.md §0.8):
//! apimachinery `LabelSelectorAsSelector`, `Requirement.Matches` and the validation of
//! `ValidateLabelSelectorRequirement`.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use crate::yaml::FieldPath;

/// The labels of a pod (a pod template's `metadata.labels`).
pub type Labels = BTreeMap<String, String>;

/// What a requirement asks of a set of labels: the value under a key, and whether a key is
/// there at all.
pub trait LabelLookup {
    fn has_value(&self, key: &str, value: &str) -> bool;
    fn has_key(&self, key: &str) -> bool;
}

impl LabelLookup for Labels {
    fn has_value(&self, key: &str, value: &str) -> bool {
        self.get(key).is_some_and(|v| v == value)
    }

    fn has_key(&self, key: &str) -> bool {
        self.contains_key(key)
    }
}

fn hash_of(parts: impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    parts.hash(&mut hasher);
    hasher.finish()
}

/// The hash of one label (key and value), as [`HashedLabels`] keeps it.
pub fn label_hash(key: &str, value: &str) -> u64 {
    hash_of((0u8, key, value))
}

fn key_hash(key: &str) -> u64 {
    hash_of((1u8, key))
}

/// Labels kept for the set pass as sorted 64-bit hashes of every (key, value) and every key:
/// a few bytes per label instead of two strings, so that summaries of every workload of a large
/// run stay small. Every operator can be answered from them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HashedLabels {
    labels: Vec<u64>,
    keys: Vec<u64>,
}

impl HashedLabels {
    pub fn new(labels: &Labels) -> Self {
        let mut hashed = HashedLabels {
            labels: labels.iter().map(|(k, v)| label_hash(k, v)).collect(),
            keys: labels.keys().map(|k| key_hash(k)).collect(),
        };
        hashed.labels.sort_unstable();
        hashed.keys.sort_unstable();
        hashed
    }

    /// The hash of every (key, value), for indexes.
    pub fn label_hashes(&self) -> &[u64] {
        &self.labels
    }
}

impl LabelLookup for HashedLabels {
    fn has_value(&self, key: &str, value: &str) -> bool {
        self.labels.binary_search(&label_hash(key, value)).is_ok()
    }

    fn has_key(&self, key: &str) -> bool {
        self.keys.binary_search(&key_hash(key)).is_ok()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

/// One condition on one label key; `matchLabels` entries become `In` with one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub key: String,
    pub operator: Operator,
    pub values: Vec<String>,
}

impl Requirement {
    /// `Requirement.Matches`: `NotIn` and `DoesNotExist` match a pod without the label.
    pub fn matches(&self, labels: &impl LabelLookup) -> bool {
        let any_value = || self.values.iter().any(|v| labels.has_value(&self.key, v));
        match self.operator {
            Operator::In => any_value(),
            Operator::NotIn => !any_value(),
            Operator::Exists => labels.has_key(&self.key),
            Operator::DoesNotExist => !labels.has_key(&self.key),
        }
    }
}

/// A parsed selector. `None` (a null or absent selector) matches nothing; an empty one
/// (`{}`) matches everything; otherwise every requirement must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    Nothing,
    Requirements(Vec<Requirement>),
}

/// Why the API server rejects a selector, and where (relative to the selector).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidSelector {
    pub path: FieldPath,
    pub message: String,
}

impl Selector {
    /// `LabelSelectorAsSelector` plus the validation the API server applies first.
    pub fn parse(selector: Option<&LabelSelector>) -> Result<Selector, InvalidSelector> {
        let Some(selector) = selector else {
            return Ok(Selector::Nothing);
        };
        let mut requirements = Vec::new();
        for (key, value) in selector.match_labels.iter().flatten() {
            requirements.push(Requirement {
                key: key.clone(),
                operator: Operator::In,
                values: vec![value.clone()],
            });
        }
        for (i, expression) in selector.match_expressions.iter().flatten().enumerate() {
            let at = FieldPath::keys(&["matchExpressions"]).index(i);
            let values = expression.values.clone().unwrap_or_default();
            let operator = match expression.operator.as_str() {
                "In" => Operator::In,
                "NotIn" => Operator::NotIn,
                "Exists" => Operator::Exists,
                "DoesNotExist" => Operator::DoesNotExist,
                other => {
                    return Err(InvalidSelector {
                        path: at.key("operator"),
                        message: format!(
                            "operator `{other}` is not one of In, NotIn, Exists, DoesNotExist"
                        ),
                    });
                }
            };
            match operator {
                Operator::In | Operator::NotIn if values.is_empty() => {
                    return Err(InvalidSelector {
                        path: at.key("values"),
                        message: format!(
                            "`{}` needs a non-empty `values` list (\"must be specified when `operator` is 'In' or 'NotIn'\")",
                            expression.operator
                        ),
                    });
                }
                Operator::Exists | Operator::DoesNotExist if !values.is_empty() => {
                    return Err(InvalidSelector {
                        path: at.key("values"),
                        message: format!(
                            "`{}` takes no `values` (\"may not be specified when `operator` is 'Exists' or 'DoesNotExist'\")",
                            expression.operator
                        ),
                    });
                }
                _ => {}
            }
            requirements.push(Requirement {
                key: expression.key.clone(),
                operator,
                values,
            });
        }
        Ok(Selector::Requirements(requirements))
    }

    /// Whether a pod with `labels` is selected.
    pub fn matches(&self, labels: &impl LabelLookup) -> bool {
        match self {
            Selector::Nothing => false,
            Selector::Requirements(requirements) => requirements.iter().all(|r| r.matches(labels)),
        }
    }

    /// `{}`: every pod of the namespace.
    pub fn matches_everything(&self) -> bool {
        matches!(self, Selector::Requirements(r) if r.is_empty())
    }

    /// The `In` requirements: a selected pod has one of their values under their key, so an
    /// index by (key, value) can find the candidates without looking at every pod.
    pub fn anchors(&self) -> impl Iterator<Item = &Requirement> {
        let requirements = match self {
            Selector::Nothing => &[][..],
            Selector::Requirements(r) => r.as_slice(),
        };
        requirements.iter().filter(|r| r.operator == Operator::In)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;
    use proptest::prelude::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn expression(key: &str, operator: &str, values: Option<&[&str]>) -> LabelSelector {
        LabelSelector {
            match_labels: None,
            match_expressions: Some(vec![LabelSelectorRequirement {
                key: key.into(),
                operator: operator.into(),
                values: values.map(|v| v.iter().map(|s| s.to_string()).collect()),
            }]),
        }
    }

    fn selects(selector: &LabelSelector, pod: &[(&str, &str)]) -> bool {
        Selector::parse(Some(selector))
            .expect("valid")
            .matches(&labels(pod))
    }

    #[test]
    fn null_matches_nothing_and_empty_matches_everything() {
        let nothing = Selector::parse(None).unwrap();
        assert!(!nothing.matches(&labels(&[])));
        assert!(!nothing.matches(&labels(&[("app", "a")])));
        let everything = Selector::parse(Some(&LabelSelector::default())).unwrap();
        assert!(everything.matches_everything());
        assert!(everything.matches(&labels(&[])));
        assert!(everything.matches(&labels(&[("app", "a")])));
    }

    /// Every operator against a pod with the label at the listed value, another value, and
    /// without the label.
    #[test]
    fn every_operator() {
        /// operator, values, selects [the listed value, another value, no label].
        type Case<'a> = (&'a str, Option<&'a [&'a str]>, [bool; 3]);
        let table: &[Case] = &[
            ("In", Some(&["a", "b"]), [true, false, false]),
            ("NotIn", Some(&["a", "b"]), [false, true, true]),
            ("Exists", None, [true, true, false]),
            ("DoesNotExist", None, [false, false, true]),
        ];
        for (operator, values, [same, other, absent]) in table {
            let selector = expression("app", operator, *values);
            assert_eq!(
                selects(&selector, &[("app", "a")]),
                *same,
                "{operator} same"
            );
            assert_eq!(
                selects(&selector, &[("app", "z")]),
                *other,
                "{operator} other"
            );
            assert_eq!(
                selects(&selector, &[("x", "a")]),
                *absent,
                "{operator} absent"
            );
        }
    }

    #[test]
    fn match_labels_and_expressions_are_anded() {
        let mut selector = expression("tier", "NotIn", Some(&["db"]));
        selector.match_labels = Some(labels(&[("app", "web")]));
        assert!(selects(&selector, &[("app", "web")]));
        assert!(selects(&selector, &[("app", "web"), ("tier", "front")]));
        assert!(!selects(&selector, &[("app", "web"), ("tier", "db")]));
        assert!(!selects(&selector, &[("tier", "front")]));
        let anchors: Vec<_> = Selector::parse(Some(&selector))
            .unwrap()
            .anchors()
            .map(|r| r.key.clone())
            .collect();
        assert_eq!(anchors, ["app"]);
    }

    #[test]
    fn invalid_requirements_are_rejected_where_they_are() {
        let cases = [
            expression("app", "In", Some(&[])),
            expression("app", "NotIn", None),
            expression("app", "Exists", Some(&["a"])),
            expression("app", "DoesNotExist", Some(&["a"])),
            expression("app", "Equals", Some(&["a"])),
        ];
        for selector in cases {
            let error = Selector::parse(Some(&selector)).expect_err("invalid");
            assert!(
                error.path.to_string().starts_with("matchExpressions[0]."),
                "{}",
                error.path
            );
        }
    }

    proptest! {
        /// matchLabels is `In` with one value; `NotIn` is its complement; `Exists` and
        /// `DoesNotExist` are complements; for every pod.
        #[test]
        fn operators_are_consistent(
            pod in proptest::collection::btree_map("[abc]", "[xyz]", 0..3),
            key in "[abc]",
            value in "[xyz]",
        ) {
            let as_labels = LabelSelector {
                match_labels: Some([(key.clone(), value.clone())].into()),
                match_expressions: None,
            };
            let value_ref = [value.as_str()];
            let pod_pairs: Vec<(&str, &str)> =
                pod.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let by_labels = selects(&as_labels, &pod_pairs);
            let by_in = selects(&expression(&key, "In", Some(&value_ref)), &pod_pairs);
            let by_not_in = selects(&expression(&key, "NotIn", Some(&value_ref)), &pod_pairs);
            prop_assert_eq!(by_labels, by_in);
            prop_assert_eq!(by_in, !by_not_in);
            prop_assert_eq!(by_labels, pod.get(&key) == Some(&value));
            let hashed = HashedLabels::new(&pod);
            for operator in ["In", "NotIn", "Exists", "DoesNotExist"] {
                let values = matches!(operator, "In" | "NotIn").then_some(&value_ref[..]);
                let selector = Selector::parse(Some(&expression(&key, operator, values))).unwrap();
                prop_assert_eq!(selector.matches(&hashed), selector.matches(&pod), "{}", operator);
            }
            let exists = selects(&expression(&key, "Exists", None), &pod_pairs);
            let absent = selects(&expression(&key, "DoesNotExist", None), &pod_pairs);
            prop_assert_eq!(exists, !absent);
            prop_assert_eq!(exists, pod.contains_key(&key));
        }
    }
}
