//! The files git tracks in a checkout, read from its index (`.git/index`,
//! versions 2 to 4), without running git. A tracked file is part of the
//! repository whatever a `.gitignore` says (CI checks it out and runs it),
//! so the disk walk adds the tracked regular files a `.gitignore` hid.
//!
//! Only `ROOT/.git/index` is read (never a parent folder's repository, a
//! `gitdir:` file's target, or a shared split index): the scan stays
//! inside its root. The reader is bounded by the file's bytes and skips
//! what it cannot decode; a malformed index yields what was read before it.

use std::path::Path;

/// Largest index read (a 200,000-file repository's is about 20 MiB).
const MAX_INDEX_BYTES: u64 = 256 * 1024 * 1024;

/// The regular files (mode `100644`/`100755`, any merge stage) of the index
/// of the repository at `root`, as `/`-separated paths in index order;
/// empty when `root/.git` is not a folder holding an index.
pub fn tracked_files(root: &Path) -> Vec<String> {
    let git = root.join(".git");
    let is_dir = std::fs::symlink_metadata(&git).is_ok_and(|m| m.is_dir());
    if !is_dir {
        return Vec::new();
    }
    let index = git.join("index");
    let Ok(meta) = std::fs::symlink_metadata(&index) else { return Vec::new() };
    if !meta.is_file() || meta.len() > MAX_INDEX_BYTES {
        return Vec::new();
    }
    std::fs::read(&index).map(|b| parse(&b)).unwrap_or_default()
}

/// The regular-file paths of an index file's bytes.
pub fn parse(b: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let u32_at = |at: usize| b.get(at..at + 4).map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]));
    if b.get(..4) != Some(b"DIRC") {
        return out;
    }
    let (Some(version), Some(count)) = (u32_at(4), u32_at(8)) else { return out };
    if !(2..=4).contains(&version) {
        return out;
    }
    // Fixed part of an entry: times, device, inode, mode, ids, size (40
    // bytes), object id (20), flags (2).
    const FIXED: usize = 62;
    let mut pos = 12;
    let mut prev: Vec<u8> = Vec::new();
    for _ in 0..count {
        let (Some(mode), Some(flags)) = (u32_at(pos + 24), b.get(pos + 60..pos + 62).map(|s| u16::from_be_bytes([s[0], s[1]]))) else {
            break;
        };
        let mut name_at = pos + FIXED;
        if version >= 3 && flags & 0x4000 != 0 {
            name_at += 2;
        }
        let path: Vec<u8> = if version == 4 {
            // Prefix-compressed: how many bytes of the previous path to
            // drop (git's offset varint), then the rest, NUL-terminated.
            let Some((strip, at)) = varint(b, name_at) else { break };
            let Some(len) = b.get(at..).and_then(|r| r.iter().position(|&c| c == 0)) else { break };
            let Some(keep) = prev.len().checked_sub(strip) else { break };
            let mut p = prev[..keep].to_vec();
            p.extend_from_slice(&b[at..at + len]);
            pos = at + len + 1;
            p
        } else {
            let Some(len) = b.get(name_at..).and_then(|r| r.iter().position(|&c| c == 0)) else { break };
            let p = b[name_at..name_at + len].to_vec();
            // The entry is padded with 1 to 8 NULs to a multiple of 8 bytes.
            pos += (name_at - pos + len + 8) & !7;
            p
        };
        if mode >> 12 == 0o10 {
            if let Ok(s) = std::str::from_utf8(&path) {
                out.push(s.to_string());
            }
        }
        prev = path;
    }
    out.dedup();
    out
}

/// Git's offset varint at `at`: the value and the position after it.
fn varint(b: &[u8], mut at: usize) -> Option<(usize, usize)> {
    let mut c = *b.get(at)?;
    at += 1;
    let mut val = (c & 127) as usize;
    while c & 128 != 0 {
        c = *b.get(at)?;
        at += 1;
        val = val.checked_add(1)?.checked_mul(128)?.checked_add((c & 127) as usize)?;
    }
    Some((val, at))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An index of `entries` (path, mode) in `version`, as git writes it.
    fn index(version: u32, entries: &[(&str, u32)]) -> Vec<u8> {
        let mut b = b"DIRC".to_vec();
        b.extend(version.to_be_bytes());
        b.extend((entries.len() as u32).to_be_bytes());
        let mut prev = "";
        for (path, mode) in entries {
            let start = b.len();
            b.extend([0u8; 24]);
            b.extend(mode.to_be_bytes());
            b.extend([0u8; 32]);
            b.extend((path.len().min(0xfff) as u16).to_be_bytes());
            if version == 4 {
                let common = prev.bytes().zip(path.bytes()).take_while(|(a, b)| a == b).count();
                let strip = prev.len() - common;
                assert!(strip < 128, "test helper: one-byte varints only");
                b.push(strip as u8);
                b.extend(path[common..].bytes());
                b.push(0);
            } else {
                b.extend(path.bytes());
                let len = (b.len() - start + 8) & !7;
                b.resize(start + len, 0);
            }
            prev = path;
        }
        b.extend([0u8; 20]);
        b
    }

    #[test]
    fn regular_files_of_every_index_version() {
        let entries = [
            (".github/workflows/ci.yml", 0o100644),
            ("link", 0o120000),
            ("src/models/train.py", 0o100755),
            ("sub", 0o160000),
            ("src/models/x.py", 0o100644),
        ];
        for v in [2, 3, 4] {
            assert_eq!(parse(&index(v, &entries)), vec![".github/workflows/ci.yml", "src/models/train.py", "src/models/x.py"], "v{v}");
        }
    }

    #[test]
    fn malformed_indexes_yield_what_was_read() {
        let good = index(2, &[("a.py", 0o100644), ("b.py", 0o100644)]);
        assert!(parse(b"").is_empty());
        assert!(parse(b"DIRC\0\0\0\x09\0\0\0\x01").is_empty());
        // Cut inside the second entry, or an entry count far larger than the bytes.
        assert_eq!(parse(&good[..good.len() - 40]), vec!["a.py"]);
        let mut huge = good.clone();
        huge[8..12].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(parse(&huge), vec!["a.py", "b.py"]);
        // A v4 entry stripping more than the previous path holds stops the read.
        let mut v4 = index(4, &[("a.py", 0o100644), ("b.py", 0o100644)]);
        let second = 12 + 62 + 1 + 5;
        v4[second + 62] = 100;
        assert_eq!(parse(&v4), vec!["a.py"]);
    }
}
