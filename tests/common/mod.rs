//! Helpers shared by the integration tests.
// Each test binary compiles this module on its own and uses only part of it.
#![allow(dead_code)]

/// A small deterministic generator (xorshift64), so that a failing random case reproduces.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Fragments that end a literal or start an interpolation, a comment or a tag in some
/// target language.
pub const HOSTILE: &[&str] = &[
    "\"",
    "'",
    "`",
    "\\",
    "\\\\",
    "${",
    "${x}",
    "$${",
    "%{",
    "%{ if true }",
    "{{",
    "}}",
    "{",
    "}",
    "\n",
    "\r\n",
    "\t",
    "\0",
    "*/",
    "/*",
    "\"\"\"",
    "'''",
    "#",
    " # ",
    ": ",
    "- ",
    "!Ref ",
    "&a",
    "*a",
    "|",
    ">",
    "\u{2028}",
    "\u{2029}",
    "\u{feff}",
    "\u{202e}",
    "\u{7f}",
    "\u{85}",
    "\u{a0}",
    "é",
    "Zürich",
    "日本",
    "😀",
    "\u{10ffff}",
    "$",
    "%",
    "!",
    "${!Literal}",
    "${AWS::Region}",
    "\\u0041",
    "\\n",
    "\\x41",
    "'\\''",
    "; rm -rf /",
    "$(id)",
    "`id`",
    "null",
    "true",
    "~",
    "0x1F",
    "1e3",
    "-",
    "?",
    " ",
];

pub fn random_hostile_string(rng: &mut Rng) -> String {
    let mut s = String::new();
    for _ in 0..rng.below(8) {
        if rng.below(3) == 0 {
            let c = loop {
                let n = rng.below(0x11_0000) as u32;
                if let Some(c) = char::from_u32(n) {
                    break c;
                }
            };
            s.push(c);
        } else {
            s.push_str(HOSTILE[rng.below(HOSTILE.len())]);
        }
    }
    s
}

/// A piece of a CloudFormation `Fn::Sub` string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubPiece {
    Literal(String),
    /// `${Name}`: a parameter, resource or pseudo parameter.
    Ref(String),
}

/// Reads an `Fn::Sub` string as CloudFormation does: `${Name}` is replaced, `${!x}` is the
/// literal `${x}`, everything else is literal. Adjacent literal text is one piece.
pub fn read_sub(sub: &str) -> Vec<SubPiece> {
    let mut pieces = Vec::new();
    let mut lit = String::new();
    let mut rest = sub;
    while let Some(i) = rest.find("${") {
        lit.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        if let Some(l) = after.strip_prefix('!') {
            lit.push_str("${");
            rest = l;
        } else {
            let end = after.find('}').unwrap_or(after.len());
            if !lit.is_empty() {
                pieces.push(SubPiece::Literal(std::mem::take(&mut lit)));
            }
            pieces.push(SubPiece::Ref(after[..end].to_string()));
            rest = after.get(end + 1..).unwrap_or("");
        }
    }
    lit.push_str(rest);
    if !lit.is_empty() {
        pieces.push(SubPiece::Literal(lit));
    }
    pieces
}

/// Runs a program with `stdin`, returning its stdout; fails the test when it cannot run
/// or exits unsuccessfully, showing its standard output and error.
pub fn run(program: &str, args: &[&str], stdin: &str) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} must be installed for this test: {e}"));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{program} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Random valid specs (deterministic): every platform and mode, pinned and unpinned
/// environments in every partition, and random session options at spec and fleet level.
/// Each comes back with its case number and text.
pub fn random_valid_specs(cases: usize) -> Vec<(usize, String, ssmgen::spec::Spec)> {
    let mut rng = Rng(0x5eed_cafe_f00d_1234);
    let mut out = Vec::new();
    for case in 0..cases {
        let (region, partition) = *[
            ("us-east-1", "aws"),
            ("eu-west-1", "aws"),
            ("cn-north-1", "aws-cn"),
            ("us-gov-west-1", "aws-us-gov"),
        ]
        .get((rng.next() % 4) as usize)
        .expect("index in range");
        let mut s = String::from("version: 1\nproject: rnd\n");
        if rng.chance(50) {
            s += &format!("pin:\n  region: {region}\n");
            if rng.chance(50) {
                s += "  account: \"123456789012\"\n";
            }
        } else if partition != "aws" {
            // Without a pin, keys written as ARNs fix the partition; keep to aws.
            continue;
        }
        if rng.chance(30) {
            s += "role_path: /r/\n";
        }
        let session = random_session(&mut rng, "  ", partition, region);
        if !session.is_empty() {
            s += "session:\n";
            s += &session;
        }
        s += "fleets:\n";
        let n = 1 + rng.next() % 4;
        for i in 0..n {
            let platform = rng.pick(&["ec2", "hybrid"]);
            let mode = rng.pick(&["managed-core", "session-only", "existing-role"]);
            s += &format!("  - name: f{i}\n    platform: {platform}\n    mode: {mode}\n");
            if mode == "existing-role" {
                s += &format!("    existing_role: role-{i}\n");
            }
            if rng.chance(30) {
                let o = random_session(&mut rng, "      ", partition, region);
                if !o.is_empty() {
                    s += "    session:\n";
                    s += &o;
                }
            }
        }
        let (spec, _) = ssmgen::spec::load_str(&s, "random.yaml")
            .unwrap_or_else(|e| panic!("case {case} should be valid:\n{s}\n{e}"));
        out.push((case, s, spec));
    }
    out
}

fn random_session(rng: &mut Rng, indent: &str, partition: &str, region: &str) -> String {
    let mut s = String::new();
    if rng.chance(50) {
        if rng.chance(50) {
            s += &format!("{indent}kms_key: arn:{partition}:kms:{region}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab\n");
        } else {
            s += &format!("{indent}kms_key: mrk-1234abcd12ab34cd56ef1234567890ab\n");
        }
    }
    if rng.chance(50) {
        s += &format!(
            "{indent}s3:\n{indent}  bucket: {}\n",
            rng.pick(&["logs-a", "logs.b", "c-logs-1"])
        );
        if rng.chance(50) {
            s += &format!("{indent}  prefix: {}\n", rng.pick(&["ssm", "a/b/", "/x"]));
        }
        let sse = rng.chance(40);
        if sse {
            s += &format!("{indent}  kms_key: 0987dcba-09fe-87dc-65ba-ab0987654321\n");
        } else if rng.chance(30) {
            s += &format!("{indent}  encrypted: false\n");
        }
        if rng.chance(30) {
            s += &format!("{indent}  owner_account: \"999988887777\"\n");
        }
    }
    if rng.chance(50) {
        s += &format!(
            "{indent}cloudwatch:\n{indent}  log_group: {}\n",
            rng.pick(&["/ssm/x", "sessions", "a_b#c"])
        );
    }
    if rng.chance(30) {
        s += &format!("{indent}vpc_endpoint_regions: [{region}]\n");
        if rng.chance(50) {
            let features = rng.pick(&["[patching]", "[distributor, windows-documents]"]);
            s += &format!("{indent}vpc_endpoint_features: {features}\n");
        }
    }
    s
}

/// A stand-in for the AWS CLI: records each call's arguments (NUL-separated) and what it
/// reads on standard input, and answers the calls the activation and preferences scripts
/// read. For the preferences document: `FAKE_DOCUMENT_VERSIONS` ("latest<TAB>default")
/// makes it exist (else describe-document fails as for a missing document),
/// `FAKE_UPDATE_ERROR` makes update-document fail with that error code, and
/// `FAKE_NEW_VERSION` is the version update-document makes (default 4).
const FAKE_AWS: &str = r#"#!/bin/sh
n=$(ls "$AWS_LOG" | wc -l)
f="$AWS_LOG/$(printf %04d "$n")"
for a in "$@"; do printf '%s\0' "$a" >> "$f"; done
case "$1 $2" in
  "sts get-caller-identity") echo "${FAKE_ACCOUNT:-123456789012}" ;;
  "ssm create-activation") printf 'act-%s\tcode-%s\n' "$n" "$n" ;;
  "secretsmanager create-secret") cat > "$AWS_STDIN/$n"; echo "arn:secret:$n" ;;
  "ssm describe-document")
    if [ -z "${FAKE_DOCUMENT_VERSIONS:-}" ]; then
      echo "An error occurred (InvalidDocument) when calling the DescribeDocument operation: Document with name $4 does not exist." >&2
      exit 254
    fi
    printf '%s\n' "$FAKE_DOCUMENT_VERSIONS" ;;
  "ssm update-document")
    if [ -n "${FAKE_UPDATE_ERROR:-}" ]; then
      echo "An error occurred ($FAKE_UPDATE_ERROR) when calling the UpdateDocument operation: refused by the stand-in" >&2
      exit 254
    fi
    echo "${FAKE_NEW_VERSION:-4}" ;;
  "ssm update-document-default-version") echo '{"Description": {}}' ;;
  "ssm create-document") echo '{"DocumentDescription": {"DocumentVersion": "1"}}' ;;
esac
"#;

/// What a run of the activation script did.
pub struct ScriptRun {
    pub output: std::process::Output,
    /// The arguments of each `aws` call, in order.
    pub calls: Vec<Vec<String>>,
    /// What each call read on standard input, by call number.
    pub stdin: std::collections::BTreeMap<usize, String>,
}

/// Runs an activation script in `dir` (its working folder) with the fake `aws` first on
/// the PATH, the given arguments and environment.
pub fn run_activation_script(
    script: &str,
    dir: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> ScriptRun {
    run_script("sh", "create-activations.sh", script, dir, args, env)
}

/// Runs a generated script, written to `dir/file_name`, with `shell` (`sh`, `dash`,
/// `bash`...) in `dir` with the fake `aws` first on the PATH, the given arguments and
/// environment (AWS_REGION and AWS_DEFAULT_REGION unset unless given).
pub fn run_script(
    shell: &str,
    file_name: &str,
    script: &str,
    dir: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> ScriptRun {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin dir");
    // Written by a child process, never by this one: a thread of the test binary that
    // forks while this process holds the file open for writing gives its child a copy of
    // that descriptor until the child execs, and executing the file meanwhile fails
    // with ETXTBSY, on which sh goes on down the PATH, to a real `aws` if there is one.
    let mut writer = std::process::Command::new("sh")
        .args(["-c", "cat > \"$1\" && chmod 755 \"$1\"", "sh"])
        .arg(bin.join("aws"))
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("sh runs");
    {
        use std::io::Write;
        let mut stdin = writer.stdin.take().expect("stdin");
        stdin.write_all(FAKE_AWS.as_bytes()).expect("fake aws");
    }
    assert!(writer.wait().expect("wait").success(), "fake aws written");
    std::fs::write(dir.join(file_name), script).expect("script");
    let log = dir.join("aws-calls");
    let stdin = dir.join("aws-stdin");
    for d in [&log, &stdin] {
        let _ = std::fs::remove_dir_all(d);
        std::fs::create_dir_all(d).expect("log dir");
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = std::process::Command::new(shell);
    cmd.arg(file_name)
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env("AWS_LOG", &log)
        .env("AWS_STDIN", &stdin)
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let output = cmd.output().expect("sh runs");
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&log)
        .expect("log dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    let calls = files
        .iter()
        .map(|f| {
            let raw = String::from_utf8(std::fs::read(f).expect("call")).expect("utf-8");
            let raw = raw.strip_suffix('\0').unwrap_or(&raw).to_string();
            raw.split('\0').map(str::to_string).collect()
        })
        .collect();
    let stdin = std::fs::read_dir(&stdin)
        .expect("stdin dir")
        .map(|e| {
            let p = e.expect("entry").path();
            let n = p
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.parse().ok());
            (
                n.expect("numbered"),
                std::fs::read_to_string(&p).expect("stdin"),
            )
        })
        .collect();
    ScriptRun {
        output,
        calls,
        stdin,
    }
}
