//! Shell completions and the man page, from the clap definitions (clap_complete,
//! clap_mangen): bash loads the completion script and completes as a user would.

use assert_cmd::Command;

fn ssmgen(args: &[&str]) -> String {
    let out = Command::cargo_bin("ssmgen")
        .expect("binary")
        .args(args)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{args:?}");
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The words bash completes for the command line `words` (the last one being typed).
fn bash_complete(script: &str, words: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("ssmgen.bash");
    std::fs::write(&file, script).expect("script");
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE='{}'\nCOMP_POINT=${{#COMP_LINE}}\n_ssmgen ssmgen '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        file.display(),
        quoted.join(" "),
        words.len() - 1,
        words.join(" "),
        words[words.len() - 1],
        words[words.len() - 2],
    );
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(program)
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn bash_completes_target_names_and_subcommands() {
    let script = ssmgen(&["completions", "bash"]);
    assert_eq!(
        bash_complete(&script, &["ssmgen", "generate", "--target", "c"]),
        ["cloudformation", "cdk-typescript", "cdk-python"]
    );
    assert_eq!(
        bash_complete(&script, &["ssmgen", "generate", "--target", "cl"]),
        ["cloudformation"]
    );
    let subcommands = bash_complete(&script, &["ssmgen", "ge"]);
    assert_eq!(subcommands, ["generate"]);
}

#[test]
fn every_shell_gets_a_script_and_the_man_page_names_every_command() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = ssmgen(&["completions", shell]);
        // PowerShell and Elvish scripts complete option names only; the others list values.
        let values = matches!(shell, "powershell" | "elvish") || script.contains("cloudformation");
        assert!(
            script.contains("generate") && script.contains("target") && values,
            "{shell}"
        );
    }
    let man = ssmgen(&["man"]);
    assert!(
        man.starts_with(".ie") && man.contains(".TH ssmgen 1"),
        "{man}"
    );
    for command in [
        "init",
        "generate",
        "validate",
        "explain",
        "schema",
        "completions",
        "man",
    ] {
        assert!(man.contains(command), "{command}");
    }
}
