//! The integration suite: the whole app through Rocket's local client, each test on a fresh
//! database. SQLite by default; PostgreSQL when `PPP_TEST_DATABASE_URL` names a server (each test
//! then creates its own database on it).

mod admin;
mod api;
mod audit;
mod award;
mod bid_documents;
mod bids;
mod cli;
mod complaints;
mod concurrency;
mod contracts;
mod documents;
mod evaluation;
mod finance;
mod fixtures;
mod health;
mod holidays;
mod identity;
mod matrix;
mod pages;
mod projects;
mod schema;
mod sealed_probe;
mod sessions;
mod storage;
mod strict_input;
mod support;
mod tenders;
mod throttle;
mod transparency;
mod witness;
