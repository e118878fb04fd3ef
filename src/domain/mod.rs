//! Pure domain rules: no HTTP, no SQL. Everything here is unit-tested on its own.

pub mod ids;
pub mod localized;
pub mod money;
pub mod organization;
pub mod validation;
