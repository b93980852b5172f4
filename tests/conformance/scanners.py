"""Security scanners on every generated output: scanner-clean, and every acknowledgement
still earned (issue 12, part 2).

The generated code acknowledges the findings it cannot avoid (a session policy grants
actions without resource-level scoping on "*", a role uses AmazonSSMManagedInstanceCore),
each with a reason, in the way each scanner reads (README, "Security scanners"):
  checkov   CloudFormation resource `Metadata.checkov.skip`; Terraform `#checkov:skip=` lines
  cdk-nag 3 `cdk.Validations.of(construct).acknowledge({ id, reason })` (aws-cdk-lib core)
  cdk-nag 2 the `cdk_nag` metadata of the construct's CfnResource
Two things are proven for each scanner and output:
  clean     the scanner reports nothing on the output as generated;
  earned    with the acknowledgements removed (checkov: copies without them; cdk-nag 3:
            `acknowledge` replaced by a no-op), the scanner reports exactly the acknowledged
            findings: each acknowledgement matches a finding of its rule on its resource (or,
            for cdk-nag, a construct below it), and each finding is acknowledged. A stale
            acknowledgement (the code changed, the finding went away) fails as surely as a
            new finding does.
cdk-nag 2 has no way to turn its suppressions off; its `cdk_nag` metadata must instead say
what the (earned) cdk-nag 3 acknowledgements say, and be the same in TypeScript and Python.

checkov runs once per run over every spec (one process: its start-up is most of its time),
offline (--skip-download, BC_SKIP_MAPPING, no update check), from a venv of its own. The CDK
synths are the apps below: conformance.py's CDK synths (cdk-ts, cdk-py) run them, and the
template they read is the first synth's, which carries the cdk-nag 3 packs (validation
plugins read the template after it is written and do not change it: the synths with
acknowledgements off and with cdk-nag 2 must produce the same template byte for byte).
A canary stack, with a policy every cdk-nag 3 pack flags, proves that the four packs ran.
"""

import csv
import json
import re
import shutil
from pathlib import Path

from tooling import WORK, Failure, run

# cdk-nag's four packs: report plugin name (and rule id prefix) -> class name.
NAG_PACKS = {"AwsSolutions": "AwsSolutionsChecks", "NIST.800.53.R5": "NIST80053R5Checks",
             "HIPAA.Security": "HIPAASecurityChecks", "PCI.DSS.321": "PCIDSS321Checks"}
ACKNOWLEDGED_RULES = "aws:cdk:acknowledged-rules"
CHECKOV = WORK / "checkov-venv" / "bin" / "checkov"
CHECKOV_TARGETS = {"cloudformation": "template.yaml", "cloudformation-json": "template.json",
                   "terraform": "*.tf"}


# ---------------------------------------------------------------- matching

def same_resource(acknowledged_on, resource):
    return acknowledged_on == resource


def at_or_below(acknowledged_on, construct_path):
    """cdk-nag honours an acknowledgement on a construct for every construct below it."""
    return construct_path == acknowledged_on or construct_path.startswith(acknowledged_on + "/")


def compare(acknowledged, found, found_unacknowledged, covers=same_resource):
    """The problems of one scanner on one output. `acknowledged`: the (resource, rule) pairs
    the output acknowledges; `found`: {(resource, rule): name} the scanner reports on the
    output as generated (must be none); `found_unacknowledged`: what it reports with the
    acknowledgements removed (must be exactly the acknowledged findings)."""
    def acknowledging(resource, rule):
        return [a for a, r in acknowledged if r == rule and covers(a, resource)]

    problems = []
    for (resource, rule), name in sorted(found.items()):
        what = "acknowledgement not honoured" if acknowledging(resource, rule) else "unacknowledged finding"
        problems.append(f"{what}: {resource} {rule} {name}")
    for on, rule in sorted(acknowledged):
        if not any(r == rule and covers(on, resource) for resource, r in found_unacknowledged):
            problems.append(f"stale acknowledgement: {on} {rule}")
    for (resource, rule), name in sorted(found_unacknowledged.items()):
        if not acknowledging(resource, rule) and (resource, rule) not in found:
            problems.append(f"unacknowledged finding: {resource} {rule} {name}")
    return problems


# ---------------------------------------------------------------- checkov

TF_BLOCK = re.compile(r'^(?:resource|data) "([^"]+)" "([^"]+)"')
TF_SKIP = re.compile(r"^\s*#checkov:skip=")


def tf_acknowledgements(text):
    """(resource, check id) of every `#checkov:skip=ID:reason` line, named as checkov names
    the top-level block it is in (`type.name`, for a data source too)."""
    found, block = set(), None
    for line in text.splitlines():
        m = TF_BLOCK.match(line)
        if m:
            block = f"{m.group(1)}.{m.group(2)}"
        elif TF_SKIP.match(line):
            rule = line.split("=", 1)[1].split(":", 1)[0].strip()
            found.add((block or "<outside any block>", rule))
    return found


def cfn_template(path):
    from cfnlint.decode import decode_str
    template, matches = decode_str(path.read_text())
    if matches:
        raise Failure(f"{path}: cannot decode: {matches}")
    return json.loads(json.dumps(template, default=str))


def cfn_acknowledgements_stripped(template):
    """(resource, check id) of every `Metadata.checkov.skip` entry, and the template without them."""
    found = set()
    for logical_id, resource in template.get("Resources", {}).items():
        metadata = resource.get("Metadata", {})
        for skip in metadata.pop("checkov", {}).get("skip", []):
            found.add((f"{resource['Type']}.{logical_id}", skip["id"]))
        if "Metadata" in resource and not metadata:
            del resource["Metadata"]
    return found, template


def prepare_checkov(outs, root):
    """Copies every output as generated to root/as-generated and without acknowledgements to
    root/unacknowledged; returns {(spec, target): acknowledged (resource, rule) pairs}."""
    acknowledged = {}
    for name, out in outs.items():
        for target, pattern in CHECKOV_TARGETS.items():
            files = sorted((out / target).glob(pattern))
            if not files:
                raise Failure(f"{name}: no {target}/{pattern} to scan")
            plain = root / "as-generated" / name / target
            stripped = root / "unacknowledged" / name / target
            plain.mkdir(parents=True)
            stripped.mkdir(parents=True)
            acks = set()
            for f in files:
                shutil.copy(f, plain / f.name)
                if target == "terraform":
                    text = f.read_text()
                    acks |= tf_acknowledgements(text)
                    (stripped / f.name).write_text(
                        "".join(l for l in text.splitlines(True) if not TF_SKIP.match(l)))
                else:
                    template = json.loads(f.read_text()) if f.suffix == ".json" else cfn_template(f)
                    found, template = cfn_acknowledgements_stripped(template)
                    acks |= found
                    (stripped / "template.json").write_text(json.dumps(template, indent=1))
            acknowledged[(name, target)] = acks
    return acknowledged


def checkov_reports(root):
    """checkov's JSON reports on every file under root, in one offline process."""
    code, out, err = run(
        [str(CHECKOV), "-d", str(root), "--framework", "cloudformation", "terraform",
         "--compact", "-o", "json", "--skip-download"],
        env={"BC_SKIP_MAPPING": "TRUE", "CKV_SKIP_PACKAGE_UPDATE_CHECK": "TRUE"})
    if code not in (0, 1):  # 1: failed checks, which the callers report one by one
        raise Failure(f"checkov failed (exit {code}):\n{(out + err)[-4000:]}")
    reports = json.loads(out)
    return reports if isinstance(reports, list) else [reports]


def checkov_all(outs):
    """Runs checkov over every spec at once; returns {spec: [problem lines]}."""
    root = (WORK / "checkov").resolve()
    if root.exists():
        shutil.rmtree(root)
    acknowledged = prepare_checkov(outs, root)
    records = {}  # (variant, spec, target) -> {"failed": {(resource, id): name}, "skipped": {...}}
    problems = {name: [] for name in outs}
    for report in checkov_reports(root):
        if "results" not in report:  # checkov's summary when it found nothing to scan
            raise Failure(f"checkov scanned nothing: {report}")
        for error in report["results"].get("parsing_errors", []):
            raise Failure(f"checkov cannot parse {error}")
        for kind in ("failed_checks", "skipped_checks", "passed_checks"):
            for c in report["results"].get(kind, []):
                variant, spec, target, _ = Path(c["file_abs_path"]).resolve().relative_to(root).parts
                r = records.setdefault((variant, spec, target), {"failed": {}, "skipped": set()})
                if kind == "failed_checks":
                    r["failed"][(c["resource"], c["check_id"])] = c["check_name"]
                elif kind == "skipped_checks":
                    r["skipped"].add((c["resource"], c["check_id"]))
    for (name, target), acks in acknowledged.items():
        plain = records.get(("as-generated", name, target))
        stripped = records.get(("unacknowledged", name, target))
        if not plain or not stripped:
            problems[name].append(f"{name}: checkov on {target}: no result, not scanned")
            continue
        lines = compare(acks, plain["failed"], stripped["failed"])
        # checkov also lists a skip of a check that passes, but never one it cannot read.
        lines += [f"acknowledgement checkov does not read: {r} {rule}"
                  for r, rule in sorted(acks - plain["skipped"])]
        lines += [f"skip checkov reads that is no acknowledgement: {r} {rule}"
                  for r, rule in sorted(plain["skipped"] - acks)]
        problems[name] += [f"{name}: checkov on {target}: {line}" for line in lines]
    return problems


# ---------------------------------------------------------------- cdk-nag

def sibling(outdir, variant):
    """Where the app below writes its synth with cdk-nag 2 or without acknowledgements."""
    return outdir.parent / f"{outdir.name}.{variant}"


def nag_rule(acknowledged_id):
    """aws-cdk-lib records `Annotation::Rule` (before 2.262.1 `annotation::Rule`); cdk-nag
    matches the rule without the prefix."""
    return re.sub(r"^annotation::", "", acknowledged_id, flags=re.IGNORECASE)


def nag3_synth(outdir):
    """(findings {(construct path, rule): description}, acknowledgements {(path, rule)}) of
    one cdk-nag 3 synth; fails unless each of the four packs flagged the canary."""
    if (outdir / "error.txt").exists():
        raise Failure(f"synth failed:\n{(outdir / 'error.txt').read_text()[-3000:]}")
    report = json.loads((outdir / "validation-report.json").read_text())
    found, canary = {}, set()
    for plugin in report["pluginReports"]:
        for v in plugin["violations"]:
            for c in v["violatingConstructs"]:
                path = c.get("constructPath") or c.get("resourceLogicalId", "?")
                if path.startswith("NagCanary/"):
                    canary.add(plugin["pluginName"])
                else:
                    found[(path, v["ruleName"])] = f"({plugin['pluginName']}: {v['description'][:100]})"
    if canary != set(NAG_PACKS):
        raise Failure(f"packs that did not flag the canary (did not run): {sorted(set(NAG_PACKS) - canary)}")
    acks = {(a["path"], nag_rule(a["id"])) for a in json.loads((outdir / "acknowledgements.json").read_text())}
    return found, acks


def template_of(outdir):
    return (outdir / "ConformanceStack.template.json").read_text()


def check_cdk_nag(name, ts_template, py_template):
    """cdk-nag 3 (four packs) on both CDK synths: clean, and every acknowledgement earned."""
    problems = []
    for lang, template in (("TypeScript", ts_template), ("Python", py_template)):
        where = f"{name}: cdk-nag 3 on the {lang} synth"
        if not template or isinstance(template, str):
            problems.append(f"{where}: not run, the synth failed (see cdk-{lang[:2].lower()})")
            continue
        outdir = template.parent
        try:
            found, acks = nag3_synth(outdir)
            found_off, acks_off = nag3_synth(sibling(outdir, "unacknowledged"))
        except (Failure, OSError, KeyError, ValueError) as e:
            problems.append(f"{where}: {type(e).__name__}: {e}")
            continue
        if acks_off:
            problems.append(f"{where}: acknowledgements recorded with Validations.acknowledge "
                            f"turned off: {sorted(acks_off)}")
        if template_of(sibling(outdir, "unacknowledged")) != template_of(outdir):
            problems.append(f"{where}: the synth without acknowledgements has another template")
        problems += [f"{where}: {p}" for p in compare(acks, found, found_off, covers=at_or_below)]
    if problems:
        raise Failure("\n".join(problems))


def cdk_nag_metadata(template):
    resources = json.loads(template)["Resources"]
    return {lid: r["Metadata"]["cdk_nag"] for lid, r in resources.items()
            if "cdk_nag" in r.get("Metadata", {})}


def check_cdk_nag2(name, ts_template, py_template):
    """cdk-nag 2 (four packs, as aspects) on the TypeScript synth: nothing non-compliant and
    unsuppressed; its `cdk_nag` metadata the same in Python and what cdk-nag 3 acknowledges."""
    where = f"{name}: cdk-nag 2 on the TypeScript synth"
    if not ts_template or isinstance(ts_template, str) or not py_template:
        raise Failure(f"{where}: not run, needs both CDK synths (see cdk-ts, cdk-py)")
    outdir = sibling(ts_template.parent, "nag2")
    if (outdir / "error.txt").exists():
        raise Failure(f"{where}: synth failed:\n{(outdir / 'error.txt').read_text()[-3000:]}")
    problems = []
    if template_of(outdir) != template_of(ts_template.parent):
        problems.append(f"{where}: the synth with cdk-nag 2 has another template")
    # The signal: cdk-nag 2 annotates every non-compliant, unsuppressed finding as an error
    # or warning (with the finding's full rule id); its CSV reports, one per pack, show that
    # each pack ran, and must agree (they name the rule without the finding).
    reported = set()
    for path, entries in json.loads((outdir / "ConformanceStack.metadata.json").read_text()).items():
        for e in entries:
            if e["type"] in ("aws:cdk:error", "aws:cdk:warning"):
                rule, _, text = str(e["data"]).partition(": ")
                reported.add((path.lstrip("/"), rule.split("[")[0]))
                problems.append(f"{where}: unacknowledged finding: {path.lstrip('/')} {rule} "
                                f"({e['type']}: {text.strip()[:100]})")
    for pack in NAG_PACKS:
        report = outdir / f"{pack}--ConformanceStack-NagReport.csv"
        rows = list(csv.DictReader(report.open())) if report.exists() else []
        if not rows:
            problems.append(f"{where}: pack {pack} did not run (no {report.name})")
        for row in rows:
            if row["Compliance"] not in ("Compliant", "Suppressed") and \
                    (row["Resource ID"], row["Rule ID"]) not in reported:
                problems.append(f"{where}: {row['Compliance']}: {row['Resource ID']} {row['Rule ID']}")
    # cdk_nag metadata: identical per logical id in both synths, and what cdk-nag 3 acknowledges.
    ts_meta, py_meta = cdk_nag_metadata(template_of(ts_template.parent)), cdk_nag_metadata(template_of(py_template.parent))
    for lid in sorted(set(ts_meta) | set(py_meta)):
        if ts_meta.get(lid) != py_meta.get(lid):
            problems.append(f"{name}: cdk_nag metadata of {lid} differs: TypeScript {ts_meta.get(lid)}, "
                            f"Python {py_meta.get(lid)}")
    paths = {e["data"]: path.lstrip("/") for path, entries in
             json.loads((outdir / "ConformanceStack.metadata.json").read_text()).items()
             for e in entries if e["type"] == "aws:cdk:logicalId"}
    suppressed = {(paths.get(lid, lid), f"{r['id']}[{a}]" if a else r["id"])
                  for lid, meta in ts_meta.items() for r in meta.get("rules_to_suppress", [])
                  for a in (r.get("applies_to") or [None])}
    _, acks = nag3_synth(ts_template.parent)
    for path, rule in sorted(suppressed):
        if not any(r == rule and at_or_below(on, path) for on, r in acks):
            problems.append(f"{where}: cdk_nag suppression no Validations acknowledgement makes: {path} {rule}")
    for on, rule in sorted(acks):
        if not any(r == rule and at_or_below(on, path) for path, r in suppressed):
            problems.append(f"{where}: acknowledgement without its cdk_nag suppression: {on} {rule}")
    if problems:
        raise Failure("\n".join(problems))


# ---------------------------------------------------------------- the CDK apps

def cdk_app_ts(module, class_name):
    packs3 = ", ".join(f"new nag.{c}(app)" for c in NAG_PACKS.values())
    packs2 = ", ".join(f"new nag2.{c}()" for c in NAG_PACKS.values())
    return f"""import * as fs from 'fs';
import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import {{ IConstruct }} from 'constructs';
import * as nag from 'cdk-nag';
import * as nag2 from 'cdk-nag-v2';
import {{ {class_name} }} from './{module}';

// Every acknowledgement recorded in the construct tree, for scanners.py.
interface Ack {{ path: string; id: string; reason: string }}
function acknowledgements(c: IConstruct): Ack[] {{
  const own: Ack[] = c.node.metadata.filter((e) => e.type === cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((e) => Object.entries(e.data as Record<string, string>)
      .map(([id, reason]) => ({{ path: c.node.path, id, reason }})));
  return own.concat(...c.node.children.map(acknowledgements));
}}

function synth(outdir: string, packs: 'nag3' | 'nag2'): void {{
  const app = new cdk.App({{ outdir, context: {{ '@aws-cdk/core:failSynthOnValidationErrors': false }} }});
  new {class_name}(new cdk.Stack(app, 'ConformanceStack'), 'SsmAccess');
  if (packs === 'nag3') {{
    new cdk.aws_iam.CfnPolicy(new cdk.Stack(app, 'NagCanary'), 'Canary', {{
      policyName: 'canary', roles: ['canary'],
      policyDocument: {{ Version: '2012-10-17', Statement: [{{ Effect: 'Allow', Action: '*', Resource: '*' }}] }},
    }});
    cdk.Validations.of(app).addPlugins({packs3});
  }} else {{
    for (const pack of [{packs2}]) cdk.Aspects.of(app).add(pack);
  }}
  app.synth();
  fs.writeFileSync(path.join(outdir, 'acknowledgements.json'), JSON.stringify(acknowledgements(app)));
}}

// A failure of the scanner synths is written down for their own checks.
function attempt(outdir: string, packs: 'nag3' | 'nag2'): void {{
  try {{ synth(outdir, packs); }} catch (e) {{
    fs.mkdirSync(outdir, {{ recursive: true }});
    fs.writeFileSync(path.join(outdir, 'error.txt'), String((e as Error).stack ?? e));
  }}
}}

const outdir = process.argv[2];
synth(outdir, 'nag3');
attempt(`${{outdir}}.nag2`, 'nag2');
(cdk.Validations.prototype as any).acknowledge = () => {{}};
attempt(`${{outdir}}.unacknowledged`, 'nag3');
"""


PY_APP = f"""
import importlib.util, json, os, sys, traceback
import aws_cdk as cdk
import cdk_nag
spec = importlib.util.spec_from_file_location("construct", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)

def acknowledgements(c):
    own = [{{"path": c.node.path, "id": k, "reason": v}} for e in c.node.metadata
           if e.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY for k, v in e.data.items()]
    return own + [a for child in c.node.children for a in acknowledgements(child)]

def synth(outdir):
    app = cdk.App(outdir=outdir, context={{"@aws-cdk/core:failSynthOnValidationErrors": False}})
    getattr(mod, sys.argv[3])(cdk.Stack(app, "ConformanceStack"), "SsmAccess")
    cdk.aws_iam.CfnPolicy(cdk.Stack(app, "NagCanary"), "Canary", policy_name="canary", roles=["canary"],
        policy_document={{"Version": "2012-10-17",
                         "Statement": [{{"Effect": "Allow", "Action": "*", "Resource": "*"}}]}})
    cdk.Validations.of(app).add_plugins({", ".join(f"cdk_nag.{c}(app)" for c in NAG_PACKS.values())})
    app.synth()
    with open(os.path.join(outdir, "acknowledgements.json"), "w") as f:
        json.dump(acknowledgements(app), f)

synth(sys.argv[2])
cdk.Validations.acknowledge = lambda self, *rules: None
try:
    synth(sys.argv[2] + ".unacknowledged")
except Exception:
    os.makedirs(sys.argv[2] + ".unacknowledged", exist_ok=True)
    with open(os.path.join(sys.argv[2] + ".unacknowledged", "error.txt"), "w") as f:
        f.write(traceback.format_exc())
"""
