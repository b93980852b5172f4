"""What the conformance checks share: where the installed tools are, running them, and
the TypeScript project settings both CDK type-checks use."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
WORK = Path(os.environ.get("CONFORMANCE_WORK", HERE / ".work"))
# Where run.sh's `cargo build --release` put the binary (cargo reads a relative
# CARGO_TARGET_DIR from the folder it runs in, which is ROOT there).
TARGET = ROOT / os.environ.get("CARGO_TARGET_DIR", "target")
BIN = Path(os.environ.get("SSMGEN_BIN", TARGET / "release" / "ssmgen"))
VENV_BIN = WORK / "venv" / "bin"
NODE_MODULES = WORK / "node" / "node_modules"
TSC = NODE_MODULES / ".bin" / "tsc"
HCLFMT = WORK / "bin" / "hclfmt"
HCLDUMP = WORK / "bin" / "hcldump"
NODE_ENV = {"NODE_PATH": str(NODE_MODULES)}


class Failure(Exception):
    pass


def run(cmd, cwd=None, env=None, timeout=900, stdin=None):
    """Runs a command; returns its exit code, standard output and standard error."""
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run(cmd, cwd=cwd, env=e, input=stdin, capture_output=True, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def must(cmd, what, **kw):
    """Runs a command that must succeed; returns its standard output."""
    code, out, err = run(cmd, **kw)
    if code != 0:
        raise Failure(f"{what} failed (exit {code}):\n{(out + err).strip()[-4000:]}")
    return out


def find_class(text, keyword):
    """The name of the first class a generated construct declares after `keyword`."""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith(keyword):
            return line[len(keyword):].split("(")[0].split(" ")[0].split(":")[0].strip()
    raise Failure(f"no `{keyword}` in construct")


def tsconfig(include, root_dir, base_url, out_dir=None):
    """A strict TypeScript project over `include` that resolves aws-cdk-lib and constructs
    from the suite's own node_modules."""
    options = {
        "target": "ES2022", "module": "commonjs", "strict": True, "noEmitOnError": True,
        "esModuleInterop": True, "skipLibCheck": True, "rootDir": str(root_dir),
        "typeRoots": [str(NODE_MODULES / "@types")],
        "baseUrl": str(base_url), "paths": {"*": [str(NODE_MODULES / "*")]},
    }
    if out_dir:
        options["outDir"] = str(out_dir)
    return {"compilerOptions": options, "include": include}
