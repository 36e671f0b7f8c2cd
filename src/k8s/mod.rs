//! The Kubernetes model: objects, their pod templates, and the API's own arithmetic.

pub mod index;
pub mod intorstr;
pub mod object;
pub mod quantity;
pub mod resources;
pub mod rollout;

pub use index::{ObjectIndex, ObjectKey};
pub use object::{FileContext, Object, PodTemplateView, Typed};
