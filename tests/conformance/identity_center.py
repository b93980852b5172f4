"""The plain JSON operator policies (operator-policies/<name>.json, for IAM Identity
Center permission sets) against the targets' model of the same policies.

The JSON leaves open what the spec does not pin: an ARN's partition, Region and account
segments are `*` there, and a service principal spelled with the URL suffix is listed
with both suffixes. So for each operator policy of the CloudFormation model (evaluated
with one set of pseudo values), the JSON must hold the same statements once the model's
unpinned segments are made `*`, with no other difference than those `.cn` spellings.
Parliament reads each file as written.
"""

import json

import created_model
import iam_model


def wildcard(arn, pseudo, open_segments):
    """`arn` with each open segment (partition, Region, account) that holds the pseudo
    value written as `*`."""
    if not arn.startswith("arn:"):
        return arn
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return arn
    for index, pseudo_key in ((1, "AWS::Partition"), (3, "AWS::Region"), (4, "AWS::AccountId")):
        if pseudo_key in open_segments and parts[index] == pseudo[pseudo_key]:
            parts[index] = "*"
    return ":".join(parts)


def json_statements(doc):
    return [iam_model.norm_statement(s["Effect"], s["Action"], s["Resource"], [],
                                     s.get("Condition")) for s in doc["Statement"]]


def expected_statements(statements, pseudo, open_segments, alias=None):
    """The model's statements as the JSON writes them. A statement on the created session
    key (whose ARN a permission set cannot know) names every key of the account and
    Region, held to the created key's alias by `kms:ResourceAliases`."""
    created_key = created_model.key_arn(pseudo)
    out = []
    for s in statements:
        if s["resources"] == [created_key] and alias:
            any_key = "arn:{}:kms:{}:{}:key/*".format(
                pseudo["AWS::Partition"], pseudo["AWS::Region"], pseudo["AWS::AccountId"])
            conditions = dict(s["conditions"])
            conditions["ForAnyValue:StringEquals"] = {"kms:ResourceAliases": [alias]}
            s = dict(s, resources=[any_key], conditions=conditions)
        out.append(dict(s, resources=sorted({wildcard(r, pseudo, open_segments)
                                             for r in s["resources"]})))
    return out


def same_but_suffixes(got, want, partition_open):
    """`got` (from JSON) equals `want` except that, when the partition is open, a
    condition may list `<value>.cn` next to a model value ending in amazonaws.com."""
    if {k: v for k, v in got.items() if k != "conditions"} != \
            {k: v for k, v in want.items() if k != "conditions"}:
        return False
    if got["conditions"].keys() != want["conditions"].keys():
        return False
    for op, by_key in want["conditions"].items():
        if by_key.keys() != got["conditions"][op].keys():
            return False
        for key, values in by_key.items():
            extra = set(got["conditions"][op][key]) - set(values)
            allowed = {v + ".cn" for v in values if v.endswith(".amazonaws.com")} \
                if partition_open else set()
            if not set(values) <= set(got["conditions"][op][key]) or not extra <= allowed:
                return False
    return True


def check(out, base_model, pseudo, open_segments, operator_names):
    """Problems (strings) of the JSON files in `out` against `base_model`."""
    problems = []
    folder = out / "operator-policies"
    files = {p.stem: p for p in folder.glob("*.json")} if folder.exists() else {}
    if set(files) != set(operator_names):
        return [f"operator-policies/ holds {sorted(files)}, the model's operator policies "
                f"are {sorted(operator_names)}"]
    for name in sorted(operator_names):
        doc = json.loads(files[name].read_text())
        got = json_statements(doc)
        key = (base_model.get("created") or {}).get("key") or {}
        alias = (key.get("alias") or [None])[0]
        want = expected_statements(base_model["policies"][name]["statements"], pseudo,
                                   open_segments, alias)
        unmatched = list(got)
        for w in want:
            match = next((g for g in unmatched
                          if same_but_suffixes(g, w, "AWS::Partition" in open_segments)), None)
            if match is None:
                problems.append(f"{name}.json: no statement for {json.dumps(w, sort_keys=True)}")
            else:
                unmatched.remove(match)
        for g in unmatched:
            problems.append(f"{name}.json: statement not in the model: {json.dumps(g, sort_keys=True)}")
    return problems


def parliament_findings(out, judge):
    """Parliament on each JSON file as written; `judge(finding)` is the failure line of
    a finding, or None (conformance.parliament_problem)."""
    from parliament import analyze_policy_string
    problems = []
    folder = out / "operator-policies"
    for path in sorted(folder.glob("*.json")) if folder.exists() else []:
        for f in analyze_policy_string(path.read_text()).findings:
            problem = judge(f)
            if problem:
                problems.append(f"{path.name}: {problem}")
    return problems
