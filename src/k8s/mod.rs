//! The Kubernetes model: objects, their pod templates, and the API's own arithmetic.

pub mod daemonset;
pub mod disruption;
pub mod index;
pub mod intorstr;
pub mod object;
pub mod origin;
pub mod ports;
pub mod quantity;
pub mod resources;
pub mod rollout;
pub mod selection;
pub mod selector;
pub mod surge;
pub mod written_resources;

pub use index::{ObjectIndex, ObjectKey};
pub use object::{FileContext, Object, PodTemplateView, Typed};
