//! End-to-end benchmark: runs the release `ssmgen generate --target all` as a process on a
//! 3-fleet spec and on generated 1,000 / 5,000 / 10,000-fleet specs, and prints wall time
//! and peak resident memory of each run. Figures are recorded in BENCHMARKS.md.
//!
//! `cargo bench --bench generate`
//!
//! `SSMGEN_BENCH_BASELINE=/path/to/older/ssmgen cargo bench --bench generate` measures
//! that binary side by side with this one: runs alternate between the two, so that a
//! change in the machine's load falls on both alike, and each row shows both figures.
//!
//! The start-up table comes first: `SSMGEN_BENCH_STARTUP_ONLY=1` stops after it.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

const RUNS: usize = 5;
/// Runs per command of the start-up comparison: small runs are noisy, medians of many.
const STARTUP_RUNS: usize = 41;

/// A spec with `n` fleets cycling through every platform, mode and session option.
fn spec(n: usize) -> String {
    let mut s = String::from(
        "version: 1\nproject: bench\ntags: {team: perf}\nsession:\n  kms_key: 1234abcd-12ab-34cd-56ef-1234567890ab\n  s3: {bucket: bench-logs, prefix: ssm/}\n  cloudwatch: {log_group: /ssm/bench}\nfleets:\n",
    );
    for i in 0..n {
        let (platform, mode) = match i % 3 {
            0 => ("ec2", "session-only"),
            1 => ("hybrid", "session-only"),
            _ => ("ec2", "managed-core"),
        };
        let _ = writeln!(
            s,
            "  - name: f{i:05}\n    platform: {platform}\n    mode: {mode}"
        );
        if i % 3 == 1 {
            let _ = writeln!(
                s,
                "    activation: {{registration_limit: 10, expires_after: 7d}}"
            );
        }
    }
    s
}

fn run_once(bin: &str, spec_path: &Path, out: &Path) -> (f64, i64) {
    // Each measurement runs in a fresh helper process so that RUSAGE_CHILDREN reports
    // this run's peak alone.
    let script = format!(
        "import resource,subprocess,sys,time\nt=time.perf_counter()\nr=subprocess.run([{bin:?},'generate',{spec:?},'--target','all','--out',{out:?},'--force'],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)\ne=time.perf_counter()-t\nassert r.returncode==0, r.returncode\nprint(e, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n",
        spec = spec_path.display().to_string(),
        out = out.display().to_string(),
    );
    let output = Command::new("python3")
        .arg("-c")
        .arg(&script)
        .output()
        .expect("python3 runs the measurement");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    let mut parts = text.split_whitespace();
    let secs: f64 = parts.next().and_then(|s| s.parse().ok()).expect("seconds");
    let kib: i64 = parts.next().and_then(|s| s.parse().ok()).expect("kib");
    (secs, kib)
}

/// A binary to measure, with the label its columns carry.
struct Binary {
    label: String,
    path: String,
}

fn binaries() -> Vec<Binary> {
    let mut list = vec![Binary {
        label: "this".into(),
        path: env!("CARGO_BIN_EXE_ssmgen").into(),
    }];
    if let Ok(path) = std::env::var("SSMGEN_BENCH_BASELINE") {
        assert!(Path::new(&path).is_file(), "no baseline binary at {path}");
        list.push(Binary {
            label: "baseline".into(),
            path,
        });
    }
    list
}

/// Wall time of one run, spawned directly (no helper process in the figure).
fn time_once(bin: &str, args: &[&str]) -> f64 {
    let start = Instant::now();
    let status = Command::new(bin)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("spawn ssmgen");
    let elapsed = start.elapsed().as_secs_f64() * 1000.0;
    // `validate` exits 1 for the warning about the managed-core fleet.
    assert!(
        matches!(status.code(), Some(0 | 1)),
        "{bin} {args:?}: {status}"
    );
    elapsed
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Start-up against the process floor: `ssmgen --version` (exec, dynamic loading, clap)
/// beside a 3-fleet spec per target and for all targets, every command of every binary
/// alternating run by run, so that load changes fall on all of them alike.
fn startup(bins: &[Binary], dir: &Path) {
    let spec_path = dir.join("startup.yaml");
    std::fs::write(&spec_path, spec(3)).expect("write spec");
    let spec = spec_path.display().to_string();
    let out = dir.join("startup-out").display().to_string();
    let mut commands: Vec<(&str, Vec<&str>)> = vec![("--version (floor)", vec!["--version"])];
    commands.push(("validate", vec!["validate", &spec]));
    for target in [
        "cloudformation",
        "terraform",
        "cdk-typescript",
        "cdk-python",
        "all",
    ] {
        commands.push((
            target,
            vec![
                "generate", &spec, "--target", target, "--out", &out, "--force",
            ],
        ));
    }
    // The runs above regenerate into the same folder, where every file is already up
    // to date and left alone; this one writes a new folder each time (removed, untimed,
    // before each run), the cost of a first generation.
    let fresh = dir.join("startup-fresh").display().to_string();
    commands.push((
        "all (new folder)",
        vec!["generate", &spec, "--target", "all", "--out", &fresh],
    ));
    let mut times = vec![vec![Vec::new(); commands.len()]; bins.len()];
    for _ in 0..STARTUP_RUNS {
        for (c, (_, args)) in commands.iter().enumerate() {
            for (b, bin) in bins.iter().enumerate() {
                let _ = std::fs::remove_dir_all(&fresh);
                times[b][c].push(time_once(&bin.path, args));
            }
        }
    }
    println!("start-up, 3 fleets (wall time, median of {STARTUP_RUNS} runs; ratio to the floor)");
    println!(
        "{:>20} {:>9} {:>10} {:>8}",
        "command", "binary", "median ms", "ratio"
    );
    for (b, bin) in bins.iter().enumerate() {
        let floor = median(times[b][0].clone());
        for (c, (label, _)) in commands.iter().enumerate() {
            let m = median(times[b][c].clone());
            println!("{label:>20} {:>9} {m:>10.2} {:>8.2}", bin.label, m / floor);
        }
    }
    println!();
}

fn main() {
    let bins = binaries();
    let dir = tempfile::tempdir().expect("temp dir");
    startup(&bins, dir.path());
    if std::env::var_os("SSMGEN_BENCH_STARTUP_ONLY").is_some() {
        return;
    }
    println!("ssmgen generate --target all (process wall time, peak RSS; median of {RUNS} runs)");
    for b in &bins {
        println!("  {:<8} {}", b.label, b.path);
    }
    println!(
        "{:>8} {:>10} {:>9} {:>12} {:>12} {:>14}",
        "fleets", "spec KiB", "binary", "median ms", "min ms", "peak RSS MiB"
    );
    for n in [3usize, 1_000, 5_000, 10_000] {
        let spec_path = dir.path().join(format!("spec-{n}.yaml"));
        let text = spec(n);
        std::fs::write(&spec_path, &text).expect("write spec");
        let out = dir.path().join(format!("out-{n}"));
        let mut times = vec![Vec::new(); bins.len()];
        let mut peaks = vec![0; bins.len()];
        // Alternate the binaries run by run.
        for _ in 0..RUNS {
            for (i, b) in bins.iter().enumerate() {
                let (secs, kib) = run_once(&b.path, &spec_path, &out);
                times[i].push(secs * 1000.0);
                peaks[i] = peaks[i].max(kib);
            }
        }
        for (i, b) in bins.iter().enumerate() {
            let t = &mut times[i];
            t.sort_by(f64::total_cmp);
            println!(
                "{:>8} {:>10} {:>9} {:>12.1} {:>12.1} {:>14.1}",
                n,
                text.len() / 1024,
                b.label,
                t[RUNS / 2],
                t[0],
                peaks[i] as f64 / 1024.0
            );
        }
    }
}
