//! Paths as a generated file names them: relative, `/`-separated, from another folder.

use std::path::{Component, Path, PathBuf};

/// `to` as seen from folder `from`, `/`-separated; `None` for standard input (`-`) or a
/// path that is not UTF-8. Lexical: neither path need exist yet (`--out` often does not),
/// and symbolic links are taken as written.
pub fn relative(from: &Path, to: &Path) -> Option<String> {
    if to == Path::new("-") {
        return None;
    }
    let cwd = std::env::current_dir().ok()?;
    let (from, to) = (absolute(&cwd, from), absolute(&cwd, to));
    let common = from
        .components()
        .zip(to.components())
        .take_while(|(a, b)| a == b)
        .count();
    let ups = from.components().count() - common;
    let mut parts: Vec<String> = vec!["..".to_string(); ups];
    for c in to.components().skip(common) {
        parts.push(c.as_os_str().to_str()?.to_string());
    }
    Some(parts.join("/"))
}

/// `p` from the root, with `.` and `..` resolved by name.
fn absolute(cwd: &Path, p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in cwd.join(p).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::relative;
    use std::path::Path;

    #[test]
    fn relative_paths_walk_up_then_down() {
        let r = |from: &str, to: &str| relative(Path::new(from), Path::new(to));
        assert_eq!(r("app", "ssm.yaml").as_deref(), Some("../ssm.yaml"));
        assert_eq!(
            r("out/app", "specs/ssm.yaml").as_deref(),
            Some("../../specs/ssm.yaml")
        );
        assert_eq!(r(".", "./specs/../ssm.yaml").as_deref(), Some("ssm.yaml"));
        assert_eq!(
            r("/srv/app", "/srv/app/ssm.yaml").as_deref(),
            Some("ssm.yaml")
        );
        assert_eq!(
            r("/srv/app/", "/etc/ssm.yaml").as_deref(),
            Some("../../etc/ssm.yaml")
        );
        assert_eq!(r("app", "-"), None);
    }
}
