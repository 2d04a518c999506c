//! Credential files committed to git: `.env` files, `.aws/credentials`,
//! `.netrc`, with secret-looking keys holding real-looking values (advice:
//! rotate and remove them). Values are never printed. Comment lines,
//! placeholders (`changeme`, `<token>`, `${VAR}`) and empty values are not
//! evidence.

use crate::evidence::{Confidence, Evidence, Location};
use crate::{Detector, FileCtx, Output};

/// The credential-file detector.
pub struct Credentials;

const NAME: &str = "credentials";
const SECRET_KEYS: &[&str] = &["secret", "password", "passwd", "token", "api_key", "apikey", "access_key", "private_key", "client_secret"];

impl Detector for Credentials {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        (name == ".env"
            || name.starts_with(".env.")
            || name.ends_with(".env")
            || path.ends_with(".aws/credentials")
            || name == ".netrc"
            || name == ".pypirc")
            && !name.ends_with(".example")
            && !name.ends_with(".sample")
            && !name.ends_with(".template")
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        for (i, raw) in f.text.lines().enumerate() {
            let l = raw.trim().trim_start_matches("export ");
            if l.starts_with('#') || l.starts_with(';') {
                continue;
            }
            let Some((k, v)) = l.split_once('=').or_else(|| l.split_once(' ').filter(|_| f.path.ends_with(".netrc"))) else { continue };
            let key = k.trim().to_ascii_lowercase();
            let value = v.trim().trim_matches(['"', '\'']);
            let looks_real = value.len() >= 12
                && !value.contains("${")
                && !value.contains('<')
                && !["changeme", "your", "xxx", "example", "dummy", "placeholder"].iter().any(|w| value.to_ascii_lowercase().contains(w));
            if SECRET_KEYS.iter().any(|s| key.contains(s)) && looks_real {
                let mut e = Evidence::new("code.hardcoded-credential", NAME, Location::line(f.path, i as u32 + 1), Confidence::High, "");
                e.snippet = format!("{} = \"****\" (redacted)", k.trim());
                out.push(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    #[test]
    fn secrets_in_env_files_are_redacted() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        let text = "# WANDB_API_KEY=abcdefabcdefabcdef\nWANDB_API_KEY=0123456789abcdef0123\nDB_PASSWORD=changeme-please\nMODEL_NAME=churn-classifier-v2\n";
        Credentials.detect(&FileCtx { path: ".env", text, repo: &repo }, &mut out);
        assert_eq!(out.evidence.len(), 1);
        assert_eq!(out.evidence[0].0.location.start_line, 2);
        assert!(!out.evidence[0].0.snippet.contains("0123"));
        assert!(!Credentials.applies(".env.example"));
    }
}
