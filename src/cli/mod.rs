//! Subcommands of the `hft` binary (the CLI parsing itself is in `main.rs`).

pub mod demo;
pub mod measure;
pub mod sim;
