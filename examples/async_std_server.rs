//! The async-std / smol adapter (`examples/async_server/`) on async-std: the same flags,
//! modes and application as `smol_server`, whose `start` it runs.

#[path = "smol_server.rs"]
mod smol_server;

use std::process::ExitCode;

fn main() -> ExitCode {
    smol_server::start(
        |task| drop(async_std::task::spawn(task)),
        async_std::task::block_on,
    )
}
