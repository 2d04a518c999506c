#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mlops_detect::fuzz::git_index(data));
