#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mlops_rules::fuzz::rule_pack(data));
