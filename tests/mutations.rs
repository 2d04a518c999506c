//! Corrupted repositories never crash or hang a scan: every fixture file is
//! mutated deterministically (inserted quotes, brackets, tabs, NULs, invalid
//! UTF-8, multi-byte characters, truncation) and the corrupted trees are
//! scanned and assessed.

use std::path::{Path, PathBuf};

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().filter_map(Result::ok) {
        let p = e.path();
        if e.file_type().unwrap().is_dir() {
            files(&p, out);
        } else if p.file_name().is_some_and(|n| n != "expect.yaml") && std::fs::metadata(&p).map(|m| m.len() < 200_000).unwrap_or(false) {
            out.push(p);
        }
    }
}

const SNIPPETS: &[&[u8]] = &[
    b"\"",
    b"'''",
    b"\"\"\"",
    b"{{",
    b"}}",
    b"$(",
    b"${{",
    b"[",
    b"]",
    b"(",
    b")",
    b":",
    b"- ",
    b"\t",
    b"\n",
    b"\\",
    b"#",
    b"<<EOF\n",
    b"\xff\xfe",
    b"\x00",
    "é€😀".as_bytes(),
    b"\r\n",
    b"&a ",
    b"*a ",
];

#[test]
fn mutated_fixture_trees_scan_without_crashing() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut all = Vec::new();
    files(&root, &mut all);
    all.sort();
    let pack = mlops_rules::load_embedded().unwrap();
    let mut rng = Lcg(0x5eed);
    for round in 0..40 {
        let d = tempfile::tempdir().unwrap();
        for _ in 0..40 {
            let src = &all[rng.below(all.len())];
            let rel = src.strip_prefix(&root).unwrap().components().skip(2).collect::<PathBuf>();
            let dst = d.path().join(&rel);
            std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
            let mut data = std::fs::read(src).unwrap();
            for _ in 0..(1 + rng.below(15)) {
                let pos = rng.below(data.len() + 1);
                match rng.below(4) {
                    0 | 1 => {
                        let s = SNIPPETS[rng.below(SNIPPETS.len())];
                        data.splice(pos..pos, s.iter().copied());
                    }
                    2 => {
                        let end = (pos + 1 + rng.below(40)).min(data.len());
                        data.drain(pos..end);
                    }
                    _ => data.truncate(pos),
                }
            }
            std::fs::write(dst, data).unwrap();
        }
        let scan = mlops_detect::scan(d.path(), &Default::default()).unwrap_or_else(|e| panic!("round {round}: {e}"));
        let a = mlops_rules::evaluate(&pack, &scan.evidence, &scan.issues);
        assert!(a.level <= 4);
        // Reports of corrupted trees still render.
        assert!(mlops_report::render_json(&a, &pack).starts_with('{'));
    }
}
