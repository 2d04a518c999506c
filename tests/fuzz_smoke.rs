//! A short, stable-toolchain run of every fuzz target (`fuzz/`): each is fed
//! fixture files and deterministic mutations of them (bit flips, truncation,
//! spliced bytes, repeated runs), then every input committed under
//! `fuzz/regressions/<target>/` (the crashes `cargo fuzz` found, kept so they
//! stay fixed). None may panic.

use std::path::{Path, PathBuf};

type Target = fn(&[u8]);

const TARGETS: &[(&str, Target)] = &[
    ("scan_files", mlops_detect::fuzz::scan_bytes),
    ("shell", mlops_detect::fuzz::shell),
    ("python", mlops_detect::fuzz::python),
    ("yaml", mlops_detect::fuzz::yaml),
    ("catalog", mlops_detect::fuzz::catalog),
    ("git_index", mlops_detect::fuzz::git_index),
    ("config", mlops_rules::fuzz::config),
    ("rule_pack", mlops_rules::fuzz::rule_pack),
];

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const SPLICES: &[&[u8]] = &[
    b"\n",
    b"\t",
    b":",
    b"- ",
    b"{{",
    b"}}",
    b"${{ inputs.x }}",
    b"$(",
    b"`",
    b"\"",
    b"'",
    b"\\",
    b"'''",
    b"\"\"\"",
    b"#",
    b"&anchor ",
    b"*anchor",
    b"<<: *a",
    b"[",
    b"]",
    b"{",
    b"}",
    b"\x00",
    b"\xff",
    b"\xc3",
    b"\xe2\x82",
    b"if __name__ == '__main__':\n",
    b"stage('x') {",
    b"pipeline {",
    b"steps:\n  - run: python train.py\n",
    b"template: t.yml\n",
];

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        match rng.below(5) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 if !v.is_empty() => {
                let n = rng.below(v.len());
                v.truncate(n);
            }
            2 => {
                let i = rng.below(v.len() + 1);
                let s = SPLICES[rng.below(SPLICES.len())];
                v.splice(i..i, s.iter().copied());
            }
            3 if !v.is_empty() => {
                // Repeat a slice (long lines, deep nesting).
                let a = rng.below(v.len());
                let b = (a + 1 + rng.below(64)).min(v.len());
                let piece = v[a..b].to_vec();
                for _ in 0..rng.below(16) {
                    v.splice(a..a, piece.iter().copied());
                }
            }
            _ if !v.is_empty() => {
                let i = rng.below(v.len());
                v.remove(i);
            }
            _ => {}
        }
    }
    v
}

#[test]
fn fuzz_targets_survive_mutated_fixtures_and_committed_crashes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seeds = Vec::new();
    files_under(&root.join("fixtures"), &mut seeds);
    files_under(&root.join("rules"), &mut seeds);
    let seeds: Vec<Vec<u8>> = seeds.iter().filter_map(|p| std::fs::read(p).ok()).filter(|b| b.len() <= 16 * 1024).collect();
    assert!(seeds.len() > 100, "expected the fixtures as seeds, found {}", seeds.len());
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for (name, target) in TARGETS {
        // Every seed as is, then mutations of a sample (a few hundred inputs per target).
        let per_target = if *name == "scan_files" { 150 } else { 400 };
        for i in 0..per_target {
            let seed = &seeds[rng.below(seeds.len())];
            let mut input = if i % 3 == 0 { seed.clone() } else { mutate(&mut rng, seed) };
            if *name == "scan_files" {
                input.insert(0, rng.below(256) as u8);
                if i % 2 == 0 {
                    // A second file to link with.
                    input.push(0xFF);
                    input.push(rng.below(256) as u8);
                    input.extend_from_slice(&seeds[rng.below(seeds.len())]);
                }
            }
            target(&input);
        }
        let mut crashes = Vec::new();
        files_under(&root.join("fuzz/regressions").join(name), &mut crashes);
        for c in crashes {
            target(&std::fs::read(&c).unwrap());
        }
    }
}
