//! Docker Compose files (`compose.yaml`, `docker-compose.yml`,
//! `docker-compose.test.yml`, ...): what each service runs, so that a CI
//! step that starts services (`docker compose up --exit-code-from tests`,
//! `docker compose run tests`) runs their commands.
//!
//! Each service is a unit `compose:<file>#<service>`: its `entrypoint` and
//! `command` (a string is split into words as Compose does, a list is the
//! argv; a `sh -c` script is parsed as shell), run in the service's build
//! context. A service with a build and no command runs its image's own
//! `ENTRYPOINT`/`CMD` (a call to the Dockerfile's unit). The file itself is a
//! unit `compose:<file>` that calls every service (what `docker compose up`
//! with no service named starts). The commands that start services are read
//! by [`super::compose_flow`].
//!
//! Not evidence by itself: a Compose file no command starts (services a
//! developer runs by hand run nothing automatically).

use super::add_argv;
use crate::evidence::Location;
use crate::yaml::{self, Node};
use crate::{Detector, FileCtx, Output, Unit};

/// The Docker Compose detector.
pub struct Compose;

const NAME: &str = "compose";

/// True for a Compose file name: `compose.yaml`, `docker-compose.yml`,
/// `docker-compose.ci.yaml`, `compose.override.yml`.
pub fn is_compose_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    (name.starts_with("docker-compose") || name.starts_with("compose.") || name.starts_with("compose-"))
        && (name.ends_with(".yml") || name.ends_with(".yaml"))
}

/// The unit id of a service of the Compose file at `path`.
pub fn service_unit(path: &str, service: &str) -> String {
    format!("compose:{path}#{service}")
}

impl Detector for Compose {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        is_compose_file(path)
    }
    fn screen(&self) -> &'static [&'static str] {
        &["services"]
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let Ok(doc) = yaml::parse(f.text) else { return };
        let Some(services) = doc.get("services") else { return };
        let dir = f.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let mut file_unit = Unit::new(format!("compose:{}", f.path), Location::new(f.path, doc.line, doc.last_line()), f.path);
        for (key, svc) in services.entries() {
            let Some(name) = key.as_str() else { continue };
            let id = service_unit(f.path, name);
            let mut u = Unit::new(id.clone(), Location::new(f.path, key.line, svc.last_line()), name);
            // The build context: a string, or `build.context` (default: the file's folder).
            let build = svc.get("build");
            let context = build.and_then(|b| b.as_str().or_else(|| b.get("context").and_then(Node::as_str)));
            let context = match (build, context) {
                (Some(_), Some(c)) if !c.contains('$') && !c.contains("://") => Some(crate::paths::join(dir, c.trim_end_matches('/'))),
                (Some(_), None) => Some(dir.to_string()),
                _ => None,
            };
            let wd = context.clone().unwrap_or_else(|| dir.to_string());
            let words = |k: &str| -> Option<(Vec<String>, u32)> {
                let n = svc.get(k)?;
                let argv: Vec<String> = match n.as_str() {
                    Some(s) => crate::shell::words(s),
                    None => n.strings().into_iter().map(str::to_string).collect(),
                };
                (!argv.is_empty()).then_some((argv, n.line))
            };
            let entry = words("entrypoint");
            let command = words("command");
            let line = entry.as_ref().or(command.as_ref()).map(|(_, l)| *l);
            let argv: Vec<String> = entry.into_iter().chain(command).flat_map(|(a, _)| a).collect();
            match (line, context) {
                (Some(line), _) => add_argv(&mut u, out, NAME, f.path, argv, line, &wd),
                (None, Some(ctx)) => {
                    let dockerfile = build.and_then(|b| b.get("dockerfile")).and_then(Node::as_str).unwrap_or("Dockerfile");
                    let file = crate::paths::join(&ctx, dockerfile);
                    u.calls.push((format!("docker:{file}"), Location::line(f.path, key.line)));
                }
                (None, None) => {}
            }
            file_unit.calls.push((id, Location::line(f.path, key.line)));
            out.units.push(u);
        }
        out.units.push(file_unit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    #[test]
    fn services_run_their_command_or_their_image() {
        let text = "services:\n  tests:\n    build:\n      context: ./api\n    entrypoint: [\"pytest\"]\n    command: -q tests\n  web:\n    build: ./api\n  db:\n    image: postgres:16\n  worker:\n    image: reg/w:1\n    command: sh -c \"cd jobs && python train.py\"\n";
        let repo = RepoIndex::default();
        let mut out = Output::default();
        Compose.detect(&FileCtx { path: "ci/docker-compose.test.yml", text, repo: &repo }, &mut out);
        let unit = |id: &str| out.units.iter().find(|u| u.id == id).unwrap_or_else(|| panic!("{id}"));
        let tests = unit("compose:ci/docker-compose.test.yml#tests");
        assert_eq!(tests.commands[0].argv, ["pytest", "-q", "tests"]);
        assert_eq!(tests.commands[0].workdir, "ci/api");
        assert_eq!(unit("compose:ci/docker-compose.test.yml#web").calls[0].0, "docker:ci/api/Dockerfile");
        assert!(unit("compose:ci/docker-compose.test.yml#db").commands.is_empty());
        // A command commented out runs nothing.
        let commented = "services:\n  tests:\n    image: python:3.12\n    # command: pytest -q tests\n";
        let mut o = Output::default();
        Compose.detect(&FileCtx { path: "compose.yaml", text: commented, repo: &repo }, &mut o);
        assert!(o.units.iter().all(|u| u.commands.is_empty() && u.calls.iter().all(|c| !c.0.starts_with("docker:"))));
        let worker = unit("compose:ci/docker-compose.test.yml#worker");
        let train = worker.commands.iter().find(|c| c.argv[0] == "python").unwrap();
        assert_eq!(train.argv, ["python", "train.py"]);
        assert_eq!(train.workdir, "ci/jobs");
        let all: Vec<&str> = unit("compose:ci/docker-compose.test.yml").calls.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(all.len(), 4);
    }

    #[test]
    fn compose_file_names() {
        for yes in ["compose.yaml", "docker-compose.yml", "ops/docker-compose.ci.yaml", "compose.override.yml"] {
            assert!(is_compose_file(yes), "{yes}");
        }
        for no in ["composer.json", "compose.md", "docker/compose/app.py", "my-compose.yml"] {
            assert!(!is_compose_file(no), "{no}");
        }
    }
}
