"""Packaging check: ssmgen installed the ways README "Install" says, from a clean clone.

Run by run.sh after the conformance checks (it reuses their release build and tools):
  npm       the README's "from a clone" commands write and `npm pack` the linux-x64-gnu
            platform package (with the release binary) and the main package; a fresh
            CDK TypeScript app (aws-cdk-lib, constructs, typescript and @types/node at the
            pins of package.json) installs the two tarballs; the README's npm commands
            run in it as written; the construct (imported by the app's own code) and a
            --scaffold app are type-checked and synthesized with aws-cdk-lib; exit
            codes pass through the launcher, and SSMGEN_BINARY replaces the binary
  pip       maturin (pinned in requirements.txt) builds the wheel as the README says; a
            fresh venv installs it with aws-cdk-lib and constructs (the pins of
            requirements.txt); `ssmgen` is on the venv's PATH; the README's pip commands
            run as written; the --scaffold app synthesizes; exit codes
  pre-commit  `pre-commit validate-manifest` on .pre-commit-hooks.yaml, and
            `validate-config` on the README's snippet; the hook's entry with the
            snippet's args, run as written: 0 without drift, 1 with
  cargo     the README's `cargo install --locked --path .` (into a temporary root,
            reusing the release build)
Each failure is printed and the run exits 1; nothing is skipped.
"""

import json
import os
import re
import shlex
import shutil
import sys
import time
import zipfile
from pathlib import Path

import yaml

from tooling import BIN, HERE, NODE_MODULES, ROOT, TARGET, VENV_BIN, WORK, Failure, must, run

OUT = WORK / "packaging"
VERSION = re.search(r'^version = "([^"]+)"', (ROOT / "Cargo.toml").read_text(), re.M).group(1)
SPEC = ROOT / "examples" / "hybrid-activation.yaml"  # hybrid: the construct and a script
WARNS = ROOT / "examples" / "managed-core-ec2.yaml"  # `validate` warns: managed-core is broad
BAD_SPEC = "version: 1\nproject: acme\nfleets: [{name: web, platform: ec2}]\ncolour: blue\n"
QUIET_CDK = {"JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1", "CDK_DISABLE_VERSION_CHECK": "1"}


def readme_block(first_line):
    """The lines of the README's fenced code block that starts with `first_line`."""
    lines = (ROOT / "README.md").read_text().splitlines()
    for i, line in enumerate(lines):
        if line.startswith("```") and i + 1 < len(lines) and lines[i + 1].strip() == first_line:
            block = []
            for body in lines[i + 1:]:
                if body.startswith("```"):
                    return block
                block.append(body)
    raise Failure(f"README.md has no code block starting with `{first_line}`: "
                  "packaging.py runs the README's commands, keep both in step")


def commands(first_line):
    """The commands of a README block, each as an argument list (no shell)."""
    return [shlex.split(line, comments=True) for line in readme_block(first_line)
            if shlex.split(line, comments=True)]


EXISTING_SPEC = ROOT / "examples" / "session-preferences.yaml"  # project shop, as the README says
EXISTING_SECTION = "### Adding ssmgen to an existing CDK app"
CDK_ENV = {**QUIET_CDK, "CDK_DISABLE_CLI_TELEMETRY": "true"}


def section_blocks(heading):
    """The fenced code blocks of a README section, each as its list of lines."""
    lines = (ROOT / "README.md").read_text().splitlines()
    if heading not in lines:
        raise Failure(f"README.md has no section {heading!r}: packaging.py runs its blocks")
    blocks, current = [], None
    for line in lines[lines.index(heading) + 1:]:
        if line.startswith("#") and current is None:
            break
        if line.startswith("```"):
            if current is None:
                current = []
            else:
                blocks.append(current)
                current = None
        elif current is not None:
            current.append(line)
    return blocks


def build_step(block):
    """The README's cdk.json line (`"build": "..."`) as its value."""
    return json.loads("{" + " ".join(block).rstrip(",") + "}")["build"]


def regenerated_by_synth(app, construct, cdk, env):
    """A hand edit of the construct is undone by `cdk synth` (cdk.json's build step)."""
    original = construct.read_text()
    construct.write_text(original + "\n# edited by hand\n")
    must([*cdk, "synth", "--quiet"], f"cdk synth ({app.name})", cwd=app, env=env, timeout=900)
    if construct.read_text() != original:
        raise Failure(f"{app.name}: cdk synth did not regenerate {construct.name} through "
                      "the README's cdk.json build step")
    templates(app / "cdk.out", f"{app.name} synth")


def check_existing_app_ts(ts_app):
    """README "Adding ssmgen to an existing CDK app", TypeScript, as written: in an app
    with ssmgen installed (the tarballs of check_npm), the aws-cdk CLI and ts-node."""
    sh, build, code = section_blocks(EXISTING_SECTION)[:3]
    app = fresh(OUT / "existing-ts")
    shutil.copy(ts_app / "package.json", app / "package.json")
    (app / "node_modules").symlink_to(ts_app / "node_modules")
    shutil.copy(EXISTING_SPEC, app / "ssm.yaml")
    for line in sh:
        must(shlex.split(line), line, cwd=app)
    (app / "cdk.json").write_text(json.dumps(
        {"app": "npx ts-node --prefer-ts-exts bin/app.ts", "build": build_step(build)}))
    (app / "tsconfig.json").write_text(json.dumps({"compilerOptions": {
        "target": "ES2022", "module": "commonjs", "strict": True, "skipLibCheck": True,
        "types": ["node"]}}))
    imports = [l for l in code if l.startswith("import ")]
    body = [f"    {l}" for l in code if l.strip() and not l.startswith(("import ", "//"))]
    (app / "bin").mkdir()
    (app / "bin" / "app.ts").write_text("\n".join([
        "import * as cdk from 'aws-cdk-lib';", "import { Construct } from 'constructs';", *imports,
        "class UserStack extends cdk.Stack {", "  constructor(scope: Construct, id: string) {",
        "    super(scope, id);", *body, "  }", "}",
        "new UserStack(new cdk.App(), 'UserStack');", ""]))
    regenerated_by_synth(app, app / "lib" / "ssm" / "shop-ssm-access.ts", ["npx", "--no-install", "cdk"],
                         CDK_ENV)


def check_existing_app_py(env):
    """README "Adding ssmgen to an existing CDK app", Python, as written, in the venv of
    check_pip, with the suite's aws-cdk CLI."""
    sh, build, code = section_blocks(EXISTING_SECTION)[3:6]
    app = fresh(OUT / "existing-py")
    shutil.copy(EXISTING_SPEC, app / "ssm.yaml")
    for line in sh:
        must(shlex.split(line), line, cwd=app, env=env)
    (app / "cdk.json").write_text(json.dumps({"app": "python3 app.py", "build": build_step(build)}))
    imports = [l for l in code if l.startswith(("from ", "import "))]
    body = [f"        {l}" for l in code if l.strip() and not l.startswith(("from ", "import ", "#"))]
    (app / "app.py").write_text("\n".join([
        "import aws_cdk as cdk", *imports, "", "class UserStack(cdk.Stack):",
        "    def __init__(self, scope, construct_id):", "        super().__init__(scope, construct_id)",
        *body, "", "app = cdk.App()", "UserStack(app, 'UserStack')", "app.synth()", ""]))
    regenerated_by_synth(app, app / "ssm_access" / "shop_ssm_access.py",
                         [str(NODE_MODULES / ".bin" / "cdk")], {**env, **CDK_ENV})


def expect(cmd, code, what, **kw):
    """Runs a command that must exit with `code`; returns its standard output."""
    got, out, err = run(cmd, **kw)
    if got != code:
        raise Failure(f"{what}: exit {got}, expected {code}\n$ {shlex.join(map(str, cmd))}\n"
                      f"{(out + err).strip()[-3000:]}")
    return out


def fresh(path):
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def templates(outdir, what):
    found = sorted(Path(outdir).glob("*.template.json"))
    if not found:
        raise Failure(f"{what}: synthesized no template in {outdir}")
    for t in found:
        types = {r["Type"] for r in json.loads(t.read_text())["Resources"].values()}
        if "AWS::IAM::Role" not in types:
            raise Failure(f"{what}: {t.name} has no IAM role: {sorted(types)}")
    return found


def exit_codes(ssmgen, cwd, env):
    """The codes of README "Errors and exit codes" through a launcher `ssmgen` (argv)."""
    (cwd / "bad.yaml").write_text(BAD_SPEC)
    out = expect([*ssmgen, "--version"], 0, "--version", cwd=cwd, env=env)
    if out.strip() != f"ssmgen {VERSION}":
        raise Failure(f"--version printed {out!r}, expected ssmgen {VERSION}")
    expect([*ssmgen, "validate", str(SPEC)], 0, "validate (no warnings)", cwd=cwd, env=env)
    expect([*ssmgen, "validate", str(WARNS)], 1, "validate (warnings)", cwd=cwd, env=env)
    expect([*ssmgen, "validate", "bad.yaml"], 2, "validate (bad spec)", cwd=cwd, env=env)
    expect([*ssmgen, "generate", "--target", "nope", "bad.yaml"], 2, "bad usage", cwd=cwd, env=env)
    # --check against what was just generated: clean, then drift after an edit.
    fresh(cwd / "drift")
    gen = [*ssmgen, "generate", str(SPEC), "--target", "all", "--out", "drift"]
    expect(gen, 0, "generate --target all", cwd=cwd, env=env)
    expect([*gen, "--check"], 0, "generate --check (no drift)", cwd=cwd, env=env)
    main_tf = cwd / "drift" / "terraform" / "main.tf"
    main_tf.write_text(main_tf.read_text() + "\n# edited by hand\n")
    code, out, err = run([*gen, "--check"], cwd=cwd, env=env)
    if code != 1 or "edited by hand" not in out + err:
        raise Failure(f"generate --check (drift): exit {code}, expected 1 and a diff of the edit:\n"
                      f"{(out + err)[-3000:]}")


# ---------------------------------------------------------------- npm

def build_npm():
    """The README's "from a clone" npm commands, with the release binary."""
    out = OUT / "npm"
    tarballs = fresh(OUT / "tarballs")
    block = commands("cargo build --release --locked")
    build, generate, pack = block[0], block[1], block[2]
    must(build, "cargo build", cwd=ROOT)
    if generate[:2] != ["node", "npm/generate-packages.mjs"] or pack[:2] != ["npm", "pack"]:
        raise Failure(f"README's clone block changed: {generate} / {pack}")
    # Written as the README has it, into this run's folder, with this build's binary
    # (the README's target/release/ssmgen, unless CARGO_TARGET_DIR moves it).
    relocate = {"target/npm": str(out), "linux-x64-gnu=target/release/ssmgen": f"linux-x64-gnu={BIN}",
                "./target/npm/linux-x64-gnu": str(out / "linux-x64-gnu"),
                "./target/npm/ssmgen": str(out / "ssmgen")}
    must([relocate.get(a, a) for a in generate], "generate-packages.mjs", cwd=ROOT)
    pack = [relocate.get(a, a) for a in pack]
    pack[pack.index("--pack-destination") + 1] = str(tarballs)
    must(pack, "npm pack", cwd=ROOT)
    names = sorted(p.name for p in tarballs.iterdir())
    want = sorted([f"ssmgen-{VERSION}.tgz", f"ssmgen-cli-linux-x64-gnu-{VERSION}.tgz"])
    if names != want:
        raise Failure(f"npm pack wrote {names}, expected {want}")
    return [tarballs / n for n in want]


USER_APP_TS = """import * as cdk from 'aws-cdk-lib';
import { %(cls)s } from '../lib/ssm/%(module)s';

const app = new cdk.App();
const stack = new cdk.Stack(app, 'UserStack');
new %(cls)s(stack, 'SsmAccess');
"""


def check_npm():
    main_tgz, platform_tgz = build_npm()
    app = fresh(OUT / "ts-app")
    pins = json.loads((HERE / "package.json").read_text())["dependencies"]
    (app / "package.json").write_text(json.dumps(
        {"name": "fresh-cdk-app", "version": "0.0.0", "private": True, "dependencies": pins}, indent=2))
    shutil.copy(SPEC, app / "ssm.yaml")
    npm_block = commands("npm install --save-dev ssmgen")
    if npm_block[0] != ["npm", "install", "--save-dev", "ssmgen"]:
        raise Failure(f"README npm block changed: {npm_block[0]}")
    # The registry name stands for the local tarballs (platform package and main).
    must([*npm_block[0][:-1], "--no-audit", "--no-fund", "--loglevel=error", "--prefer-offline",
          str(platform_tgz), str(main_tgz)], "npm install (tarballs)", cwd=app, timeout=900)
    installed = app / "node_modules" / "@ssmgen" / "cli-linux-x64-gnu" / "ssmgen"
    if not os.access(installed, os.X_OK):
        raise Failure(f"npm did not install an executable {installed}")
    for cmd in npm_block[1:]:
        must(cmd, " ".join(cmd), cwd=app)
    constructs = sorted((app / "lib" / "ssm").glob("*.ts"))
    if len(constructs) != 1:
        raise Failure(f"lib/ssm holds {constructs}, expected one construct")
    cls = next(l.split()[2] for l in constructs[0].read_text().splitlines()
               if l.startswith("export class "))
    # The app's own code uses the construct; the --scaffold app is a whole app beside it.
    (app / "bin").mkdir()
    (app / "bin" / "app.ts").write_text(USER_APP_TS % {"cls": cls, "module": constructs[0].stem})
    must(["npx", "ssmgen", "generate", "ssm.yaml", "-t", "cdk-typescript", "--scaffold",
          "--out", "infra"], "npx ssmgen generate --scaffold", cwd=app)
    # One strict tsc over both (run.sh's scaffold check already builds the scaffold with
    # its own tsconfig and the CDK CLI), then one node: each cdk.App takes CDK_OUTDIR
    # when constructed and synthesizes there when node exits.
    (app / "tsconfig.json").write_text(json.dumps({
        "compilerOptions": {"target": "ES2022", "module": "commonjs", "strict": True,
                            "skipLibCheck": True, "types": ["node"]},
        "include": ["bin/**/*.ts", "lib/**/*.ts", "infra/bin/**/*.ts", "infra/lib/**/*.ts"]}))
    must(["npx", "tsc", "-p", "."], "tsc --strict (app and scaffold)", cwd=app)
    synth = ("process.env.CDK_OUTDIR = process.argv[1]; require('./bin/app.js');"
             "process.env.CDK_OUTDIR = process.argv[2]; require('./infra/bin/app.js');")
    must(["node", "-e", synth, str(app / "cdk.out"), str(app / "infra" / "cdk.out")],
         "synth (app and scaffold)", cwd=app, env=QUIET_CDK)
    templates(app / "cdk.out", "app synth")
    templates(app / "infra" / "cdk.out", "scaffold synth")
    # The README's CI step: no drift right after generating, drift after an edit.
    ci = shlex.split(next(l for l in readme_block("- uses: actions/setup-node@v4")
                          if "--check" in l).split("run:", 1)[1])
    expect(ci, 0, "README CI step (no drift)", cwd=app)
    constructs[0].write_text(constructs[0].read_text() + "// edited by hand\n")
    expect(ci, 1, "README CI step (drift)", cwd=app)

    check_existing_app_ts(app)

    exit_codes(["npx", "ssmgen"], app, env={"SSMGEN_BINARY": ""})
    # SSMGEN_BINARY: another binary, same arguments and exit code.
    stub = OUT / "stub-ssmgen"
    stub.write_text('#!/bin/sh\necho "stub $*"\nexit 42\n')
    stub.chmod(0o755)
    out = expect(["npx", "ssmgen", "generate", "a b.yaml"], 42, "SSMGEN_BINARY stub", cwd=app,
                 env={"SSMGEN_BINARY": str(stub)})
    if out != "stub generate a b.yaml\n":
        raise Failure(f"SSMGEN_BINARY stub printed {out!r}")
    expect(["npx", "ssmgen", "--version"], 0, "SSMGEN_BINARY=release binary", cwd=app,
           env={"SSMGEN_BINARY": str(BIN)})
    # Without its platform package, the launcher names it and exits 127.
    shutil.rmtree(app / "node_modules" / "@ssmgen" / "cli-linux-x64-gnu")
    code, out, err = run(["npx", "ssmgen", "--version"], cwd=app, env={"SSMGEN_BINARY": ""})
    if code != 127 or "@ssmgen/cli-linux-x64-gnu is not installed" not in err:
        raise Failure(f"missing platform package: exit {code}, stderr {err!r}")
    return ("ts app + scaffold synthesized; README existing-app section run; exit codes 0/1/2 "
            "and SSMGEN_BINARY pass through")


# ---------------------------------------------------------------- pip

def build_wheel():
    """The README's maturin commands, with the pinned maturin of the suite's venv."""
    block = commands("cargo build --release --locked")
    pip, maturin = block[3], block[4]
    if pip != ["pip", "install", "maturin==1.16.0"] or maturin[0] != "maturin":
        raise Failure(f"README's clone block changed: {pip} / {maturin}")
    pinned = [l for l in (HERE / "requirements.txt").read_text().splitlines() if l.startswith("maturin==")]
    if pinned != [pip[2]]:
        raise Failure(f"README installs {pip[2]}, requirements.txt pins {pinned}")
    must([str(VENV_BIN / "pip"), *pip[1:], "--quiet", "--disable-pip-version-check"], "pip install maturin")
    wheels = fresh(OUT / "wheels")
    maturin = [str(VENV_BIN / "maturin"), *maturin[1:]]
    maturin[maturin.index("--out") + 1] = str(wheels)
    must(maturin, "maturin build", cwd=ROOT, timeout=1800)
    found = list(wheels.glob("*.whl"))
    if len(found) != 1:
        raise Failure(f"maturin wrote {found}, expected one wheel")
    with zipfile.ZipFile(found[0]) as z:
        names = set(z.namelist())
        meta = z.read(f"ssmgen-{VERSION}.dist-info/METADATA").decode()
    if f"ssmgen-{VERSION}.data/scripts/ssmgen" not in names:
        raise Failure(f"the wheel holds no scripts/ssmgen: {sorted(names)}")
    for field in ("Name: ssmgen", f"Version: {VERSION}", "License: Apache-2.0"):
        if field not in meta.splitlines():
            raise Failure(f"wheel METADATA lacks {field!r}")
    return found[0]


def check_pip():
    wheel = build_wheel()
    home = fresh(OUT / "py-app")
    # A fresh venv, filled by the suite's pip (--python): the same install, without
    # bootstrapping pip into it; no byte-compiling of aws-cdk-lib's large modules.
    must([sys.executable, "-m", "venv", "--without-pip", str(home / ".venv")], "python -m venv")
    vbin = home / ".venv" / "bin"
    pins = [l for l in (HERE / "requirements.txt").read_text().splitlines()
            if l.startswith(("aws-cdk-lib==", "constructs=="))]
    pip_block = commands("pip install ssmgen")
    if pip_block[0] != ["pip", "install", "ssmgen"]:
        raise Failure(f"README pip block changed: {pip_block[0]}")
    # The registry name stands for the wheel.
    must([str(VENV_BIN / "pip"), "--python", str(vbin / "python"), "install", "--quiet",
          "--disable-pip-version-check", "--no-compile", str(wheel), *pins],
         "pip install (wheel)", timeout=900)
    env = {"PATH": f"{vbin}{os.pathsep}{os.environ['PATH']}", "VIRTUAL_ENV": str(home / ".venv"),
           **QUIET_CDK}
    found = shutil.which("ssmgen", path=env["PATH"])
    if found != str(vbin / "ssmgen"):
        raise Failure(f"`ssmgen` on the venv's PATH is {found}, expected {vbin / 'ssmgen'}")
    shutil.copy(SPEC, home / "ssm.yaml")
    for cmd in pip_block[1:]:
        must(cmd, " ".join(cmd), cwd=home, env=env)
    if len(list((home / "ssm").glob("*.py"))) != 1:
        raise Failure("pip: `ssmgen generate ... -t cdk-python --out ssm` wrote no module")
    # README "pre-commit and CI drift checks", for a Python app.
    expect(["ssmgen", "generate", "ssm.yaml", "-t", "cdk-python", "--out", "ssm", "--check"], 0,
           "README CI check (Python app)", cwd=home, env=env)
    must(["ssmgen", "generate", "ssm.yaml", "-t", "cdk-python", "--scaffold", "--out", "app"],
         "ssmgen generate --scaffold", cwd=home, env=env)
    must(["python", "app.py"], "python app.py (synth)", cwd=home / "app",
         env={**env, "CDK_OUTDIR": str(home / "app" / "cdk.out")})
    templates(home / "app" / "cdk.out", "python synth")
    check_existing_app_py(env)
    exit_codes(["ssmgen"], home, env=env)
    return (f"{wheel.name}: venv PATH, scaffold synthesized, README existing-app section run, "
            "exit codes 0/1/2")


# ---------------------------------------------------------------- pre-commit

def check_pre_commit():
    pre_commit = str(VENV_BIN / "pre-commit")
    must([pre_commit, "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")], "validate-manifest")
    snippet = "\n".join(readme_block("repos:")) + "\n"
    config = OUT / "pre-commit-config.yaml"
    config.write_text(snippet)
    must([pre_commit, "validate-config", str(config)], "validate-config (README snippet)")
    hook = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())[0]
    used = yaml.safe_load(snippet)["repos"][0]["hooks"][0]
    if used["id"] != hook["id"]:
        raise Failure(f"README uses hook {used['id']}, the manifest defines {hook['id']}")
    # The entry as pre-commit runs it (entry, then args; no file names), with ssmgen on
    # PATH, in a repository laid out as the snippet's args say.
    repo = fresh(OUT / "pre-commit-repo")
    args = used["args"]
    spec = repo / args[0]
    spec.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(SPEC, spec)
    bindir = fresh(OUT / "pre-commit-bin")
    (bindir / "ssmgen").symlink_to(BIN)
    env = {"PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}
    entry = shlex.split(hook["entry"])
    generate = [a for a in entry if a != "--check"] + args
    must(generate, "generate (before the hook)", cwd=repo, env=env)
    expect(entry + args, 0, "hook entry (no drift)", cwd=repo, env=env)
    out_dir = repo / args[args.index("--out") + 1]
    template = out_dir / "cloudformation" / "template.yaml"
    template.write_text(template.read_text() + "# edited by hand\n")
    expect(entry + args, 1, "hook entry (drift)", cwd=repo, env=env)
    return "manifest and README config valid; entry exits 0 clean, 1 on drift"


# ---------------------------------------------------------------- cargo

def check_cargo():
    block = commands("cargo install --locked --path .")
    if block != [["cargo", "install", "--locked", "--path", "."]]:
        raise Failure(f"README cargo block changed: {block}")
    root = fresh(OUT / "cargo-root")
    # Into a temporary root, with the release build's target folder (nothing to rebuild).
    must([*block[0], "--root", str(root)], "cargo install", cwd=ROOT,
         env={"CARGO_TARGET_DIR": str(TARGET)}, timeout=1800)
    out = must([str(root / "bin" / "ssmgen"), "--version"], "installed ssmgen --version")
    if out.strip() != f"ssmgen {VERSION}":
        raise Failure(f"cargo-installed ssmgen --version printed {out!r}")
    return "cargo install --locked --path . works"


CHECKS = [("npm", check_npm), ("pip", check_pip), ("pre-commit", check_pre_commit), ("cargo", check_cargo)]


def main():
    started = time.time()
    fresh(OUT)
    print(f"packaging: {OUT} emptied ({time.time() - started:.0f} s)", flush=True)
    results = {}
    for name, check in CHECKS:
        t = time.time()
        try:
            results[name] = ("ok", check())
        except Failure as e:
            results[name] = ("FAIL", str(e))
        except Exception as e:  # a crash is a failure too, never a skip
            results[name] = ("FAIL", f"{type(e).__name__}: {e}")
        print(f"packaging {name}: {results[name][0]} ({time.time() - t:.0f} s)", flush=True)
    failed = [n for n, (s, _) in results.items() if s != "ok"]
    for name in failed:
        print(f"\n--- packaging / {name}\n{results[name][1]}")
    print("\n== Packaging summary")
    for name, (status, detail) in results.items():
        print(f"{name}: {status}" + (f" ({detail})" if status == "ok" else ""))
    print(f"packaging took {time.time() - started:.0f} s")
    print(f"packaging: {len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
