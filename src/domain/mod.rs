//! Pure domain rules: no HTTP, no SQL. Everything here is unit-tested on its own.

pub mod access;
pub mod account;
pub mod audit;
pub mod audit_export;
pub mod bid;
pub mod calendar;
pub mod checkpoint;
pub mod codes;
pub mod document;
pub mod evaluation;
pub mod finance;
pub mod ids;
pub mod inn;
pub mod localized;
pub mod merkle;
pub mod money;
pub mod organization;
pub mod policy;
pub mod procedure;
pub mod project;
pub mod sealing;
pub mod search;
pub mod strict_json;
pub mod tender;
pub mod throttle;
pub mod validation;
