//! Shared helpers for the integration tests.
#![allow(dead_code)]

pub mod client_engine_harness;
pub mod pair;
pub mod process;
pub mod trace;

/// Runs `f` with insta configured to store snapshots in the top-level `snapshots/`.
pub fn with_snapshots<R>(f: impl FnOnce() -> R) -> R {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
    settings.set_prepend_module_to_snapshot(true);
    settings.bind(f)
}
