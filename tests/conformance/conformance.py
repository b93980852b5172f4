"""Conformance suite: every generated output proven by the tools its users trust, and the
four targets proven to grant the same permissions.

Run through tests/conformance/run.sh, which installs the tools first. For every spec in
examples/ and tests/conformance/fixtures/ it generates all targets and checks:
  cfn        cfn-lint on template.yaml and template.json: no error, no warning
  tf         hclfmt -check and -require-no-change on every .tf file; python-hcl2 parses them;
             every resource type, data source and argument is in the pinned provider schema,
             every other top-level block one ssmgen writes (import: `to` and `id` only)
  cdk-ts     tsc --strict --noEmit; a real aws-cdk-lib synth; cfn-lint on the synth
  cdk-py     a real aws-cdk-lib (PyPI) synth; cfn-lint on the synth
  same       the IAM model of CloudFormation YAML, CloudFormation JSON, both CDK synths and
             Terraform (read by python-hcl2 and by HashiCorp's parser) is identical, for
             every partition the spec can be deployed to (the first four with the document
             of their session-preferences.sh, when they write one)
  policy     parliament on every policy document: no finding above LOW unless allowed below
             (the `same` check also runs it on the plain JSON operator policies, and
             compares them with the model: identity_center.py)
  checkov    checkov on template.yaml, template.json and the Terraform folder: no failed
             check; on copies without the acknowledgements (checkov skips), exactly the
             acknowledged checks fail (scanners.py; one checkov process for every spec)
  cdk-nag    cdk-nag 3 (AwsSolutions, NIST 800-53 R5, HIPAA Security, PCI DSS 3.2.1) on both
             CDK synths: no violation; with Validations.acknowledge turned off, exactly the
             acknowledged rules are violated, on the acknowledging construct or below it
  cdk-nag2   cdk-nag 2 (the same packs, as aspects) on the TypeScript synth: nothing
             non-compliant unsuppressed; the cdk_nag metadata is the same in both synths and
             matches the cdk-nag 3 acknowledgements
Once per run: every target's policies allow every call of the agent call model and deny
their neighbours (calls.py, judged by tests/agent_calls.rs, which must also refuse three
broken models); the CDK constructs' `tags` prop refuses keys differing only in case
(cdk_props.py); the spec's JSON Schema accepts every example and refuses every shape
error of the error corpus (schema_check.py, jsonschema); the CDK constructs' API (props,
env checks, attachTo, grantStartSession) passes aws-cdk-lib's assertions in TypeScript and
Python (cdk_assertions.py, cdk_assertions_py.py); the CDK TypeScript and Python --scaffold
apps synthesize through the CDK CLI, whose build step regenerates them; and
the hostile-string checks of hostile.py (hostile-cfn, hostile-tf, hostile-ts, hostile-synth)
read outputs full of quotes, `${`, newlines and the like with each target's own parser.
Prints a spec x check table and exits non-zero on any failure.
"""

import json
import os
import shutil
import sys
import time
from pathlib import Path

import calls
import cdk_assertions
import cdk_assertions_py
import cdk_props
import hashicorp_tf
import schema_check
import hostile
import iam_model
import identity_center
import scanners
from tooling import (BIN, HCLFMT, HERE, NODE_ENV, NODE_MODULES, ROOT, TSC, VENV_BIN, WORK, Failure,
                     find_class, must, run, tsconfig)


# cfn-lint rules disabled for every template, and why. Nothing is disabled today.
CFN_LINT_IGNORED = {}

# Parliament findings allowed above LOW, by issue code, and why.
PARLIAMENT_ALLOWED = {
    # ssm:UpdateInstanceInformation and the ssmmessages channel actions have no
    # resource-level scoping, so the documented policies grant them on "*".
    "RESOURCE_STAR": "actions without resource-level scoping are granted on * as documented",
}

# Findings that fail whatever their severity: a misspelt action or service prefix is
# a wrong permission, even though parliament rates it LOW.
PARLIAMENT_ALWAYS_FAIL = {"UNKNOWN_ACTION", "UNKNOWN_PREFIX", "MALFORMED", "INVALID_ARN",
                          "RESOURCE_MISMATCH", "UNKNOWN_CONDITION_FOR_ACTION"}

# Findings excused one by one, by issue and a text of their detail, and why: each is
# parliament's IAM database lagging a documented permission, never a wrong one.
PARLIAMENT_EXCUSED = [
    ("UNKNOWN_CONDITION_FOR_ACTION", "ssm:SessionDocumentAccessCheck for action ssm:StartSession",
     "the documented condition key that makes StartSession check the caller's access to the "
     "session document (Session Manager User Guide, Quickstart end user policies; Enforce a "
     "session document permission check)"),
    ("RESOURCE_MISMATCH", "ssmmessages:OpenDataChannel",
     "the Quickstart end user policies scope ssmmessages:OpenDataChannel to the caller's own "
     "sessions (arn:aws:ssm:*:*:session/${aws:userid}-*); parliament only knows it on *"),
    ("UNKNOWN_CONDITION_FOR_ACTION", "kms:ResourceAliases for action kms:GenerateDataKey",
     "a condition key of the KMS key resource type (Service Authorization Reference, AWS KMS: "
     "resource type key, kms:ResourceAliases), which parliament checks against the action's "
     "own keys only: the permission-set JSON holds the created key to its alias with it"),
]


def parliament_problem(f, trust=False):
    """The failure line of a parliament finding, or None when it passes."""
    from parliament import config
    severity = config.get(f.issue, {}).get("severity", "UNKNOWN")
    if trust and (f.issue, f.detail) == TRUST_MALFORMED:
        return None
    if any(f.issue == issue and text in str(f.detail) for issue, text, _ in PARLIAMENT_EXCUSED):
        return None
    if f.issue in PARLIAMENT_ALWAYS_FAIL or (severity not in ("LOW", "INFO", "MUTE")
                                             and f.issue not in PARLIAMENT_ALLOWED):
        return f"{severity} {f.issue} {f.detail} {f.location}"
    return None


# Parliament audits identity policies; a trust policy has a Principal instead of a
# Resource, which it reports as MALFORMED with exactly this detail. Nothing else is excused.
TRUST_MALFORMED = ("MALFORMED", "Statement contains neither Resource nor NotResource")

CHECKS = ["cfn", "tf", "cdk-ts", "cdk-py", "same", "policy", "checkov", "cdk-nag", "cdk-nag2"]


def specs():
    found = sorted((ROOT / "examples").glob("*.yaml")) + sorted((HERE / "fixtures").glob("*.yaml"))
    if not found:
        raise SystemExit("no specs found")
    return found


def generate(spec, out):
    if out.exists():
        shutil.rmtree(out)
    must([str(BIN), "generate", str(spec), "--target", "all", "--out", str(out)], "ssmgen generate")
    must([str(BIN), "generate", str(spec), "--target", "cloudformation", "--format", "json",
          "--out", str(out / "cloudformation-json")], "ssmgen generate --format json")


def cfn_lint(paths):
    cmd = [str(VENV_BIN / "cfn-lint")]
    if CFN_LINT_IGNORED:
        cmd += ["--ignore-checks", *CFN_LINT_IGNORED]
    must(cmd + [str(p) for p in paths], "cfn-lint")


def load_cfn(path):
    """Templates as plain JSON: YAML short forms become Fn:: dicts (cfn-lint's decoder)."""
    from cfnlint.decode import decode_str
    text = path.read_text()
    template, matches = decode_str(text)
    if matches:
        raise Failure(f"{path}: cannot decode: {matches}")
    return json.loads(json.dumps(template, default=str))


# ---------------------------------------------------------------- per target checks

def check_cfn(out):
    cfn_lint([out / "cloudformation" / "template.yaml", out / "cloudformation-json" / "template.json"])


TF_SCHEMA = json.loads((HERE / "terraform_schema.json").read_text())


def check_tf(out):
    import hcl2
    tf_files = sorted((out / "terraform").glob("*.tf"))
    if not tf_files:
        raise Failure("no .tf files")
    parsed = []
    for f in tf_files:
        must([str(HCLFMT), "-check", str(f)], f"hclfmt -check {f.name}")
        must([str(HCLFMT), "-require-no-change", str(f)], f"hclfmt -require-no-change {f.name}")
        with open(f) as fh:
            parsed.append(hcl2.load(fh))
    check_tf_schema(parsed)
    return parsed


def check_tf_schema(parsed):
    known = TF_SCHEMA["arguments"]
    meta = set(TF_SCHEMA["meta_arguments"])
    problems = []

    def walk(where, attrs, allowed):
        for arg, value in attrs.items():
            if arg.startswith("__") or arg in meta:
                continue
            if arg not in allowed:
                problems.append(f"{where}: argument {arg!r} is not in the pinned provider schema")
            elif allowed[arg]:
                for block in iam_model.as_list(value):
                    if isinstance(block, dict):
                        walk(f"{where}.{arg}", block, allowed[arg])

    top_level = set(TF_SCHEMA["top_level"])
    for p in parsed:
        for kind in sorted(k for k in set(p) - top_level if not k.startswith("__")):
            problems.append(f"top-level block {kind!r} is not one ssmgen writes")
        # An import block's arguments (no meta-arguments: ssmgen writes none there).
        for block in p.get("import", []):
            for arg in block:
                if not arg.startswith("__") and arg not in known["import"]:
                    problems.append(f"import: argument {arg!r} is not an import block's")
        for kind in ("resource", "data"):
            for entry in p.get(kind, []):
                for typ, named in entry.items():
                    key = f"{kind}.{iam_model.strip_hcl2_quotes(typ)}"
                    if key not in known:
                        problems.append(f"{key} is not in the pinned provider schema")
                        continue
                    for name, attrs in named.items():
                        walk(f"{key}.{iam_model.strip_hcl2_quotes(name)}", attrs, known[key])
    if problems:
        raise Failure("\n".join(problems))


def check_cdk_ts_all(outs):
    """Type-checks and synthesizes every TypeScript construct in one tsc project."""
    proj = WORK / "ts"
    if proj.exists():
        shutil.rmtree(proj)
    (proj / "src").mkdir(parents=True)
    entries = {}
    for name, out in outs.items():
        constructs = sorted((out / "cdk-typescript").glob("*.ts"))
        if len(constructs) != 1:
            raise Failure(f"{name}: expected one construct file, found {constructs}")
        d = proj / "src" / name
        d.mkdir()
        shutil.copy(constructs[0], d / constructs[0].name)
        cls = find_class(constructs[0].read_text(), "export class ")
        # The app also synthesizes for the scanners (scanners.py: cdk-nag 3 packs, which
        # leave the template as it is, then cdk-nag 2, then no acknowledgements).
        (d / "app.ts").write_text(scanners.cdk_app_ts(constructs[0].stem, cls))
        entries[name] = d
    (proj / "tsconfig.json").write_text(json.dumps(
        tsconfig(["src/**/*.ts"], root_dir="src", base_url=".", out_dir="dist"), indent=2))
    tsc = str(TSC)
    results = {}
    code, out, err = run([tsc, "--strict", "--noEmit", "-p", str(proj)])
    if code != 0:
        return {name: f"tsc --strict --noEmit failed:\n{(out + err)[-4000:]}" for name in outs}
    must([tsc, "-p", str(proj)], "tsc emit")
    for name, d in entries.items():
        outdir = WORK / "synth-ts" / name
        for d in (outdir, scanners.sibling(outdir, "nag2"), scanners.sibling(outdir, "unacknowledged")):
            if d.exists():
                shutil.rmtree(d)
        try:
            must(["node", str(proj / "dist" / name / "app.js"), str(outdir)], "node synth",
                 env=NODE_ENV)
            template = outdir / "ConformanceStack.template.json"
            cfn_lint([template])
            results[name] = template
        except Failure as e:
            results[name] = str(e)
    return results


def check_cdk_py(name, out):
    constructs = sorted((out / "cdk-python").glob("*.py"))
    if len(constructs) != 1:
        raise Failure(f"expected one construct module, found {constructs}")
    cls = find_class(constructs[0].read_text(), "class ")
    outdir = WORK / "synth-py" / name
    for d in (outdir, scanners.sibling(outdir, "unacknowledged")):
        if d.exists():
            shutil.rmtree(d)
    # The app also synthesizes for the scanners (scanners.py: cdk-nag 3 packs, which leave
    # the template as it is, then no acknowledgements).
    must([str(VENV_BIN / "python"), "-c", scanners.PY_APP, str(constructs[0]), str(outdir), cls],
         "python synth", env={"JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1"})
    template = outdir / "ConformanceStack.template.json"
    cfn_lint([template])
    return template


# ---------------------------------------------------------------- same permissions

def partitions_of(spec_text):
    for line in spec_text.splitlines():
        s = line.split("#")[0].strip()
        if s.startswith("region:") and line.startswith("  "):
            region = s.split(":", 1)[1].strip().strip('"')
            if region.startswith("cn-"):
                return ["aws-cn"]
            if region.startswith("us-gov-"):
                return ["aws-us-gov"]
            return ["aws"]
        if s.startswith("partition:"):
            return [s.split(":", 1)[1].strip().strip('"')]
    return list(iam_model.PSEUDO_SETS)


def pinned(spec_text, key):
    in_pin = False
    for line in spec_text.splitlines():
        if line.startswith("pin:"):
            in_pin = True
            continue
        if in_pin and line.startswith("  ") and line.strip().startswith(f"{key}:"):
            return line.split(":", 1)[1].split("#")[0].strip().strip('"')
        if in_pin and line and not line.startswith(" "):
            in_pin = False
    return None


def check_same(spec, out, ts_template, py_template, tf_parsed):
    text = spec.read_text()
    sources = {
        "cloudformation-yaml": load_cfn(out / "cloudformation" / "template.yaml"),
        "cloudformation-json": json.loads((out / "cloudformation-json" / "template.json").read_text()),
        "cdk-typescript": json.loads(Path(ts_template).read_text()),
        "cdk-python": json.loads(Path(py_template).read_text()),
    }
    # The account's default preferences document is no resource of these stacks (a stack
    # cannot adopt it): each target folder's session-preferences.sh writes it, and the
    # model takes it from there, so that it still compares with Terraform's document.
    folders = {"cloudformation-yaml": "cloudformation", "cloudformation-json": "cloudformation-json",
               "cdk-typescript": "cdk-typescript", "cdk-python": "cdk-python"}
    scripts = {k: out / f / iam_model.PREFERENCES_SCRIPT for k, f in folders.items()}
    # Terraform twice: as python-hcl2 reads it and as HashiCorp's own parser (hcldump,
    # hclsyntax: what Terraform reads) does; both models must agree with the others.
    hashicorp = hashicorp_tf.parse(sorted((out / "terraform").glob("*.tf")))
    problems = []
    for partition in partitions_of(text):
        pseudo = dict(iam_model.PSEUDO_SETS[partition])
        # A pinned value is literal in the output; evaluate the pseudo values to match.
        if pinned(text, "account"):
            pseudo["AWS::AccountId"] = pinned(text, "account")
        if pinned(text, "region"):
            pseudo["AWS::Region"] = pinned(text, "region")
        # Activations: the custom resources of the template, or the folder's
        # create-activations.sh (activation_method: script).
        activation_scripts = {k: out / f / "create-activations.sh" for k, f in folders.items()}
        models = {k: iam_model.from_cloudformation(
                      v, pseudo,
                      activation_scripts[k].read_text() if activation_scripts[k].exists() else None)
                  for k, v in sources.items()}
        for k, script in scripts.items():
            if script.exists():
                models[k] = iam_model.with_preferences_script(models[k], script.read_text())
        models["terraform"] = iam_model.from_terraform(tf_parsed, pseudo)
        models["terraform-hashicorp"] = iam_model.from_terraform(hashicorp, pseudo)
        for target, m in models.items():
            calls.save(spec, partition, target, pseudo, iam_model.canonical(m))
        base = models["cloudformation-yaml"]
        if not base["roles"] and not base["policies"]:
            problems.append(f"[{partition}] the CloudFormation model is empty")
        for other, m in models.items():
            # Terraform has aws_ssm_activation and no provider: its activations compare,
            # the provider of the stacks does not.
            ref = base if not other.startswith("terraform") else \
                {k: v for k, v in base.items() if k != "activation_provider"}
            d = iam_model.diff(ref, m)
            if d:
                problems.append(f"[{partition}] cloudformation-yaml vs {other}:\n  " + "\n  ".join(d))
        # The plain JSON operator policies: the operator policies of the model (the
        # policies that allow ssm:StartSession), with the unpinned segments open.
        operators = [n for n, p in base["policies"].items()
                     if any("ssm:StartSession" in s["actions"] for s in p["statements"])]
        open_segments = {k for k, key in (("AWS::AccountId", "account"), ("AWS::Region", "region"))
                         if not pinned(text, key)}
        if len(partitions_of(text)) > 1:
            open_segments.add("AWS::Partition")
        problems += [f"[{partition}] {p}" for p in
                     identity_center.check(out, base, pseudo, open_segments, operators)]
    problems += identity_center.parliament_findings(out, parliament_problem)
    if problems:
        raise Failure("\n".join(problems))
    return models["cloudformation-yaml"]


def statement_json(s, with_principal):
    st = {"Effect": s["effect"], "Action": s["actions"]}
    if with_principal:
        st["Principal"] = {"Service": s["principals"]}
    else:
        st["Resource"] = s["resources"]
    if s["conditions"]:
        # One value as a plain string: parliament reads Bool conditions only that way.
        st["Condition"] = {op: {k: v[0] if len(v) == 1 else v for k, v in by_key.items()}
                           for op, by_key in s["conditions"].items()}
    return st


def check_policies(model):
    """Parliament on every permission and trust policy document of the model."""
    from parliament import analyze_policy_string
    problems = []
    docs = [(f"policy {n}", p["statements"], False) for n, p in model["policies"].items()]
    docs += [(f"trust of role {n}", r["trust"], True) for n, r in model["roles"].items()]
    for label, statements, trust in docs:
        doc = {"Version": "2012-10-17",
               "Statement": [statement_json(s, trust) for s in statements]}
        for f in analyze_policy_string(json.dumps(doc)).findings:
            problem = parliament_problem(f, trust)
            if problem:
                problems.append(f"{label}: {problem}")
    problems += resource_policy_problems(model.get("created") or {})
    if problems:
        raise Failure("\n".join(problems))


# What parliament, an identity-policy auditor, reports on the created key's policy that
# the documented policies carry: (policy, statement sid or None for any, issue).
RESOURCE_POLICY_EXCUSED = {
    # In a key policy, "Resource": "*" is the key itself (AWS KMS Developer Guide, Key
    # policies in AWS KMS: the policy applies to its own key).
    ("key policy", None, "RESOURCE_STAR"),
    # CloudWatch Logs' documented statement (CloudWatch Logs User Guide, Encrypt log data
    # using AWS KMS, step 2): kms:Describe* under the encryption-context condition, which
    # the Describe actions never carry, and ArnEquals on kms:EncryptionContext:aws:logs:arn,
    # which parliament types as a string.
    ("key policy", "CloudWatchLogsUseKey", "UNKNOWN_CONDITION_FOR_ACTION"),
    ("key policy", "CloudWatchLogsUseKey", "MISMATCHED_TYPE"),
}


def resource_policy_problems(created):
    """Parliament on each statement of the created key's and bucket's policies (one
    statement a document, so that a finding names its statement)."""
    from parliament import analyze_policy_string
    problems = []
    policies = [("key policy", (created.get("key") or {}).get("policy", [])),
                ("bucket policy", (created.get("bucket") or {}).get("policy", []))]
    for label, statements in policies:
        for s in statements:
            principal = "*" if s["principals"] == ["*"] else {}
            for p in s["principals"] if principal != "*" else []:
                kind, value = p.split(":", 1)
                principal.setdefault(kind, []).append(value)
            st = {"Sid": s["sid"], "Effect": s["effect"], "Principal": principal,
                  "Action": s["actions"], "Resource": s["resources"]}
            if s["conditions"]:
                st["Condition"] = {op: {k: v[0] if len(v) == 1 else v for k, v in by_key.items()}
                                   for op, by_key in s["conditions"].items()}
            doc = {"Version": "2012-10-17", "Statement": [st]}
            for f in analyze_policy_string(json.dumps(doc)).findings:
                if (label, None, f.issue) in RESOURCE_POLICY_EXCUSED or \
                        (label, s["sid"], f.issue) in RESOURCE_POLICY_EXCUSED:
                    continue
                problem = parliament_problem(f)
                if problem:
                    problems.append(f"{label} {s['sid']}: {problem}")
    return problems


# ---------------------------------------------------------------- scaffolds

def check_scaffolds():
    """Both --scaffold apps synthesize through the CDK CLI, whose `build` step (cdk.json)
    runs ssmgen from PATH first: a construct edited by hand is regenerated from the spec.
    Their cdk.json carries the feature flags of the pinned aws-cdk-lib."""
    spec = ROOT / "examples" / "hybrid-activation.yaml"
    ts = WORK / "scaffold-ts"
    py = WORK / "scaffold-py"
    for d in (ts, py):
        if d.exists():
            shutil.rmtree(d)
    # The build step finds ssmgen on PATH (npx --no-install: the project's own install
    # first, then PATH), as after `cargo install`; the Python app's `python3` is the venv's.
    path = f"{BIN.parent}{os.pathsep}{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    cdk_env = {"CDK_DISABLE_VERSION_CHECK": "1", "CDK_DISABLE_CLI_TELEMETRY": "true",
               "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1", "PATH": path}
    flags = json.loads((NODE_MODULES / "aws-cdk-lib" / "recommended-feature-flags.json").read_text())
    for target, out in (("cdk-typescript", ts), ("cdk-python", py)):
        must([str(BIN), "generate", str(spec), "-t", target, "--scaffold", "--out", str(out)],
             f"scaffold {target}")
        cdk_json = json.loads((out / "cdk.json").read_text())
        if cdk_json.get("context") != flags:
            raise Failure(f"{target} scaffold: cdk.json context differs from aws-cdk-lib's "
                          "recommended-feature-flags.json (refresh templates/cdk-common/)")
        if "build" not in cdk_json:
            raise Failure(f"{target} scaffold: cdk.json has no build step")
    must(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], "npm install (scaffold)", cwd=ts, timeout=900)
    cdk = str(ts / "node_modules" / ".bin" / "cdk")
    for out in (ts, py):
        construct = next(p for p in out.rglob("*ssm*access.*") if "node_modules" not in p.parts)
        original = construct.read_text()
        construct.write_text(original + "\n// edited by hand\n")
        must([cdk, "synth", "--quiet"], f"cdk synth ({out.name})", cwd=out, env=cdk_env)
        if construct.read_text() != original:
            raise Failure(f"{out.name}: cdk synth did not regenerate {construct.name} "
                          "through cdk.json's build step")
        synthesized = list((out / "cdk.out").glob("*.template.json"))
        if not synthesized:
            raise Failure(f"{out.name} synthesized no template")
        cfn_lint(synthesized)


# ---------------------------------------------------------------- main

def main():
    started = time.time()
    results = {}
    outs = {}
    calls.reset()
    for spec in specs():
        name = spec.stem
        out = WORK / "out" / name
        generate(spec, out)
        outs[name] = out
    ts_results = check_cdk_ts_all(outs)
    checkov_started = time.time()
    try:
        checkov_results = scanners.checkov_all(outs)
    except Exception as e:  # a crash is a failure of every spec's checkov check, never a skip
        checkov_results = {name: [f"checkov: {type(e).__name__}: {e}"] for name in outs}
    checkov_seconds = time.time() - checkov_started
    for spec in specs():
        name = spec.stem
        out = outs[name]
        r = results.setdefault(name, {})
        tf_parsed = py_template = None

        def attempt(check, fn):
            try:
                value = fn()
                r[check] = ("ok", "")
                return value
            except Failure as e:
                r[check] = ("FAIL", str(e))
            except Exception as e:  # a crash in a check is a failure too, never a skip
                r[check] = ("FAIL", f"{type(e).__name__}: {e}")
            return None

        attempt("cfn", lambda: check_cfn(out))
        tf_parsed = attempt("tf", lambda: check_tf(out))
        ts = ts_results.get(name)
        if isinstance(ts, Path):
            r["cdk-ts"] = ("ok", "")
        else:
            r["cdk-ts"] = ("FAIL", ts or "not run")
        py_template = attempt("cdk-py", lambda: check_cdk_py(name, out))
        if isinstance(ts, Path) and py_template and tf_parsed is not None:
            model = attempt("same", lambda: check_same(spec, out, ts, py_template, tf_parsed))
            if model is not None:
                attempt("policy", lambda: check_policies(model))
            else:
                r["policy"] = ("FAIL", "needs the model of a passing `same` check")
        else:
            r["same"] = ("FAIL", "needs cdk-ts, cdk-py and tf to pass first")
            r["policy"] = ("FAIL", "needs the model of a passing `same` check")

        def checkov():
            if checkov_results[name]:
                raise Failure("\n".join(checkov_results[name]))
        attempt("checkov", checkov)
        attempt("cdk-nag", lambda: scanners.check_cdk_nag(name, ts, py_template))
        attempt("cdk-nag2", lambda: scanners.check_cdk_nag2(name, ts, py_template))
    try:
        agent_calls = ("ok", calls.check())
    except Failure as e:
        agent_calls = ("FAIL", str(e))
    try:
        schema = ("ok", schema_check.check())
    except Failure as e:
        schema = ("FAIL", str(e))
    try:
        props = ("ok", cdk_props.check(outs))
    except Failure as e:
        props = ("FAIL", str(e))
    except Exception as e:  # a crash is a failure too, never a skip
        props = ("FAIL", f"{type(e).__name__}: {e}")
    assertions = {}
    for label, check in (("CDK assertions (TypeScript)", lambda: cdk_assertions.check_ts(outs)),
                         ("CDK assertions (Python)", lambda: cdk_assertions_py.check(outs))):
        try:
            assertions[label] = ("ok", check())
        except Failure as e:
            assertions[label] = ("FAIL", str(e))
        except Exception as e:  # a crash is a failure too, never a skip
            assertions[label] = ("FAIL", f"{type(e).__name__}: {e}")
    scaffold = ("ok", "")
    try:
        check_scaffolds()
    except Failure as e:
        scaffold = ("FAIL", str(e))
    hostile_results = hostile.check_all()

    failures = 0
    for name, r in results.items():
        for check in CHECKS:
            status, detail = r.get(check, ("FAIL", "not run"))
            if status != "ok":
                failures += 1
                print(f"\n--- {name} / {check}\n{detail}")
    if scaffold[0] != "ok":
        failures += 1
        print(f"\n--- scaffolds\n{scaffold[1]}")
    if agent_calls[0] != "ok":
        failures += 1
        print(f"\n--- agent calls\n{agent_calls[1]}")
    if props[0] != "ok":
        failures += 1
        print(f"\n--- CDK props\n{props[1]}")
    if schema[0] != "ok":
        failures += 1
        print(f"\n--- spec JSON Schema\n{schema[1]}")
    for label, (status, detail) in assertions.items():
        if status != "ok":
            failures += 1
            print(f"\n--- {label}\n{detail}")
    for check, (status, detail) in hostile_results.items():
        if status != "ok":
            failures += 1
            print(f"\n--- {check}\n{detail}")

    width = max(len(n) for n in results) + 2
    print("\n== Conformance summary (spec x check)")
    print("spec".ljust(width) + "".join(c.ljust(max(8, len(c) + 1)) for c in CHECKS))
    for name, r in results.items():
        print(name.ljust(width) + "".join(r.get(c, ("FAIL",))[0].ljust(max(8, len(c) + 1))
                                          for c in CHECKS))
    print(f"scaffolds (cdk synth through the CDK CLI, cdk.json build step regenerates): {scaffold[0]}")
    print(f"agent calls on every target: {agent_calls[0]}"
          + (f" ({agent_calls[1]})" if agent_calls[0] == "ok" else ""))
    print(f"CDK tags prop refuses keys differing only in case (TS, Python): {props[0]}"
          + (f" ({props[1]})" if props[0] == "ok" else ""))
    print(f"spec JSON Schema (jsonschema): {schema[0]}"
          + (f" ({schema[1]})" if schema[0] == "ok" else ""))
    for label, (status, detail) in assertions.items():
        print(f"{label}: {status}" + (f" ({detail})" if status == "ok" else ""))
    for check, (status, detail) in hostile_results.items():
        print(f"{check}: {status} ({detail if status == 'ok' else 'see above'})")
    total = len(results) * len(CHECKS) + 4 + len(assertions) + len(hostile_results)
    print(f"\nconformance: {total - failures} passed, {failures} failed")
    print(f"checkov (one process, every spec twice) took {checkov_seconds:.0f} s")
    print(f"checks took {time.time() - started:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
