"""Hostile strings through the targets' own parsers and CDK itself.

tests/hostile_output.rs builds the plan of every example, writes hostile strings (quotes,
backslashes, `${`, `%{`, `{{`, newlines, NUL, `*/`, `\"\"\"`, unicode...) into every string
field that reaches a literal, and renders each plan twice: with a placeholder `zqNNNNNq`
in each such field, and with the hostile strings. With SSMGEN_HOSTILE_OUT it writes both
sides' Terraform, TypeScript and Python files and cases.json. Each check here reads both
sides with the target's own tooling and requires the two to be equal once every
placeholder is replaced by its hostile string: a string that broke out of its literal
adds, drops or changes a node; one mangled by escaping differs in value.

  hostile-cfn      cfn-lint's own template decoder, YAML and JSON: templates (Fn::Sub
                   strings read as literal text and references)
  hostile-tf       HashiCorp's HCL parser (hcldump, built from Debian's hcl/v2): syntax trees
  hostile-ts       the TypeScript compiler's parser: syntax trees; then tsc --strict on
                   every hostile construct
  hostile-synth    aws-cdk-lib synth of the TypeScript and Python constructs of the
                   free-text cases (descriptions, tags): the CloudFormation CDK produces

(The Rust test itself also reads CloudFormation with yaml-rust2 and serde_json, Python with
CPython's ast, and runs the activation script with sh and a fake aws.)
"""

import json
import shutil
import unicodedata

from tooling import (HCLDUMP, NODE_ENV, ROOT, TSC, VENV_BIN, WORK, Failure, find_class, must,
                     tsconfig)

CASES = WORK / "hostile"

# Free-text cases synthesized per example and language (each case is two stacks).
SYNTH_SEEDS = 2

CHECKS = ["hostile-cfn", "hostile-tf", "hostile-ts", "hostile-synth"]


def substitute(s, mapping):
    """Replaces each placeholder zqNNNNNq in s by hostile string NNNNN."""
    out, i = [], 0
    while True:
        j = s.find("zq", i)
        if j < 0:
            out.append(s[i:])
            return "".join(out)
        out.append(s[i:j])
        cand = s[j:j + 8]
        if len(cand) == 8 and cand[2:7].isdigit() and cand[7] == "q" and int(cand[2:7]) < len(mapping):
            out.append(mapping[int(cand[2:7])])
            i = j + 8
        else:
            out.append("zq")
            i = j + 2


def substitute_tree(v, mapping):
    if isinstance(v, str):
        return substitute(v, mapping)
    if isinstance(v, list):
        return [substitute_tree(x, mapping) for x in v]
    if isinstance(v, dict):
        return {substitute(k, mapping): substitute_tree(x, mapping) for k, x in v.items()}
    return v


def first_difference(a, b, at=""):
    if isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{at}[{i}]")
            if d:
                return d
        return f"{at}: {len(a)} vs {len(b)} items" if len(a) != len(b) else None
    if isinstance(a, dict) and isinstance(b, dict):
        for k in a:
            if k not in b:
                return f"{at}.{k}: missing"
            d = first_difference(a[k], b[k], f"{at}.{k}")
            if d:
                return d
        return f"{at}: other keys {sorted(set(b) - set(a))}" if set(a) != set(b) else None
    return None if a == b else f"{at}: expected {a!r}, got {b!r}"


def nfc_tree(v):
    if isinstance(v, str):
        return unicodedata.normalize("NFC", v)
    if isinstance(v, list):
        return [nfc_tree(x) for x in v]
    if isinstance(v, dict):
        return {nfc_tree(k): nfc_tree(x) for k, x in v.items()}
    return v


def compare(case, plain, hostile, what, nfc=False):
    expected = substitute_tree(plain, case["map"])
    if nfc:
        # HCL stores every string as a cty value, which is NFC-normalized on entry; ssmgen
        # refuses free text that is not NFC (free_text_must_be_nfc_because_terraform_
        # normalizes), but these strings bypass validation.
        expected = nfc_tree(expected)
    d = first_difference(expected, hostile)
    if d:
        raise Failure(f"{case['label']}: {what} changed meaning at {d}")


def generate_cases():
    if CASES.exists():
        shutil.rmtree(CASES)
    must(["cargo", "test", "--locked", "--quiet", "--test", "hostile_output",
          "hostile_cases_for_conformance"], "writing the hostile cases", cwd=ROOT,
         env={"SSMGEN_HOSTILE_OUT": str(CASES)})
    cases = json.loads((CASES / "cases.json").read_text())
    if not cases:
        raise Failure("no hostile case was written")
    return cases


def decode_sub(v):
    """Reads each Fn::Sub string as its literal pieces and references (${!x} is `${x}`)."""
    if isinstance(v, dict) and len(v) == 1 and isinstance(v.get("Fn::Sub"), str):
        pieces, lit, rest = [], "", v["Fn::Sub"]
        while "${" in rest:
            i = rest.index("${")
            lit += rest[:i]
            after = rest[i + 2:]
            if after.startswith("!"):
                lit += "${"
                rest = after[1:]
            else:
                end = after.find("}")
                end = len(after) if end < 0 else end
                if lit:
                    pieces.append(lit)
                    lit = ""
                pieces.append({"Ref": after[:end]})
                rest = after[end + 1:]
        lit += rest
        if lit:
            pieces.append(lit)
        return {"Fn::Sub(decoded)": pieces}
    if isinstance(v, list):
        return [decode_sub(x) for x in v]
    if isinstance(v, dict):
        return {k: decode_sub(x) for k, x in v.items()}
    return v


def check_cfn(cases):
    from cfnlint.decode import decode_str

    def read(path):
        template, matches = decode_str((CASES / path).read_text(encoding="utf-8"))
        if matches or template is None:
            raise Failure(f"{path} does not decode: {[str(m) for m in matches]}")
        return decode_sub(template)

    n = 0
    for c in cases:
        for key in ("yaml", "json"):
            for p, h in zip(c["plain"][key], c["hostile"][key]):
                compare(c, read(p), read(h), h)
                n += 2
    return f"{n} templates"


def check_tf(cases):
    files = [str(CASES / f) for c in cases for side in ("plain", "hostile") for f in c[side]["tf"]]
    trees = json.loads(must([str(HCLDUMP)] + files, "hcldump (HashiCorp's HCL parser)"))
    for c in cases:
        for p, h in zip(c["plain"]["tf"], c["hostile"]["tf"]):
            compare(c, trees[str(CASES / p)], trees[str(CASES / h)], h, nfc=True)
    return f"{len(files)} files"


TS_TREE = r"""
const ts = require('typescript');
const fs = require('fs');
const literal = new Set([ts.SyntaxKind.StringLiteral, ts.SyntaxKind.NoSubstitutionTemplateLiteral,
  ts.SyntaxKind.TemplateHead, ts.SyntaxKind.TemplateMiddle, ts.SyntaxKind.TemplateTail,
  ts.SyntaxKind.Identifier, ts.SyntaxKind.NumericLiteral, ts.SyntaxKind.PrivateIdentifier]);
function dump(node) {
  const r = [ts.SyntaxKind[node.kind]];
  if (literal.has(node.kind)) r.push(node.text);
  const children = [];
  ts.forEachChild(node, c => { children.push(dump(c)); });
  if (children.length) r.push(children);
  return r;
}
const out = {};
for (const f of JSON.parse(fs.readFileSync(0, 'utf8'))) {
  const sf = ts.createSourceFile(f, fs.readFileSync(f, 'utf8'), ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const diags = sf.parseDiagnostics || [];
  out[f] = diags.length
    ? { error: diags.map(d => ts.flattenDiagnosticMessageText(d.messageText, '\n')) }
    : dump(sf);
}
process.stdout.write(JSON.stringify(out));
"""


def check_ts(cases):
    files = [str(CASES / f) for c in cases for side in ("plain", "hostile") for f in c[side]["ts"]]
    script = WORK / "ts-tree.js"
    script.write_text(TS_TREE)
    trees = json.loads(must(["node", str(script)], "the TypeScript parser", env=NODE_ENV,
                            stdin=json.dumps(files)))
    for f, t in trees.items():
        if isinstance(t, dict):
            raise Failure(f"{f} does not parse: {t['error']}")
    for c in cases:
        for p_, h in zip(c["plain"]["ts"], c["hostile"]["ts"]):
            compare(c, trees[str(CASES / p_)], trees[str(CASES / h)], h)
    config = CASES / "tsconfig.strict.json"
    config.write_text(json.dumps(tsconfig(["case*/hostile/ts/*.ts"], CASES, CASES), indent=2))
    must([str(TSC), "--strict", "--noEmit", "-p", str(config)],
         "tsc --strict --noEmit on the hostile constructs")
    return f"{len(files)} files"


def synth_cases(cases):
    return [c for c in cases if c["profile"] == "free-text" and c["seed"] < SYNTH_SEEDS]


def stack_name(i, side):
    return f"Case{i}{side.capitalize()}"


def check_synth(cases):
    chosen = synth_cases(cases)
    # TypeScript: one app, a stack per case and side.
    app = ["import * as cdk from 'aws-cdk-lib';"]
    body = ["const app = new cdk.App({ outdir: process.argv[2] });"]
    for i, c in enumerate(chosen):
        for side in ("plain", "hostile"):
            (ts,) = c[side]["ts"]
            mod = f"m{i}{side}"
            app.append(f"import * as {mod} from './{ts[:-3]}';")
            body.append(f"new {mod}.{find_class((CASES / ts).read_text(encoding='utf-8'), 'export class ')}"
                        f"(new cdk.Stack(app, '{stack_name(i, side)}'), 'SsmAccess', {{ outputs: true }});")
    (CASES / "synth-app.ts").write_text("\n".join(app + body + ["app.synth();", ""]))
    config = CASES / "tsconfig.synth.json"
    dist = WORK / "hostile-dist"
    if dist.exists():
        shutil.rmtree(dist)
    config.write_text(json.dumps(tsconfig(["synth-app.ts"], CASES, CASES, dist), indent=2))
    must([str(TSC), "-p", str(config)], "tsc (synth app)")
    ts_out = WORK / "hostile-synth-ts"
    if ts_out.exists():
        shutil.rmtree(ts_out)
    must(["node", str(dist / "synth-app.js"), str(ts_out)], "TypeScript synth",
         env=NODE_ENV)
    # Python: the same, one app.
    py_app = ["import importlib.util, sys", "import aws_cdk as cdk",
              "app = cdk.App(outdir=sys.argv[1])"]
    for i, c in enumerate(chosen):
        for side in ("plain", "hostile"):
            (py,) = c[side]["py"]
            cls = find_class((CASES / py).read_text(encoding="utf-8"), "class ")
            py_app += [
                f"spec = importlib.util.spec_from_file_location('m{i}{side}', {str(CASES / py)!r})",
                "mod = importlib.util.module_from_spec(spec)",
                "spec.loader.exec_module(mod)",
                f"mod.{cls}(cdk.Stack(app, {stack_name(i, side)!r}), 'SsmAccess', outputs=True)",
            ]
    py_app.append("app.synth()")
    (CASES / "synth_app.py").write_text("\n".join(py_app) + "\n")
    py_out = WORK / "hostile-synth-py"
    if py_out.exists():
        shutil.rmtree(py_out)
    must([str(VENV_BIN / "python"), str(CASES / "synth_app.py"), str(py_out)], "Python synth",
         env={"JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1"})
    for out, lang in ((ts_out, "TypeScript"), (py_out, "Python")):
        for i, c in enumerate(chosen):
            plain, hostile = (json.loads((out / f"{stack_name(i, side)}.template.json").read_text())
                              for side in ("plain", "hostile"))
            compare(c, plain, hostile, f"the {lang} CDK synth")
    return f"{len(chosen)} cases x 2 languages"


def check_all():
    """Runs every hostile check; returns {check: (status, detail)}."""
    results = {}
    try:
        cases = generate_cases()
    except Failure as e:
        return {check: ("FAIL", str(e)) for check in CHECKS}
    for check, fn in (("hostile-cfn", check_cfn), ("hostile-tf", check_tf), ("hostile-ts", check_ts),
                      ("hostile-synth", check_synth)):
        try:
            results[check] = ("ok", fn(cases))
        except Failure as e:
            results[check] = ("FAIL", str(e))
        except Exception as e:  # a crash in a check is a failure too, never a skip
            results[check] = ("FAIL", f"{type(e).__name__}: {e}")
    return results


if __name__ == "__main__":
    import sys
    res = check_all()
    for k, (status, detail) in res.items():
        print(f"{k}: {status} {detail}")
    sys.exit(0 if all(s == "ok" for s, _ in res.values()) else 1)
