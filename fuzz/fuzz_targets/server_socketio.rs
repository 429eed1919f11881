#![no_main]
// Placeholder: replaced by the target's owner.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|_data: &[u8]| {});
