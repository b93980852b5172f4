"""Terraform read by HashiCorp's own parser: hcldump's syntax trees (hclsyntax, the library
Terraform parses with) turned into the shape python-hcl2 gives, so that iam_model reads
the module the way Terraform does. check_same compares the model built from it with the
one built from python-hcl2, and the agent call check judges both.
"""

import json

from tooling import HCLDUMP, must


def escape_literal(s):
    """Literal text as the body of a quoted HCL string, the form python-hcl2 keeps:
    `${` and `%{` doubled, quotes, backslashes and control characters escaped."""
    out = []
    for ch in s.replace("${", "$${").replace("%{", "%%{"):
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    return "".join(out)


def quote(s):
    """A literal string as HCL source text."""
    return '"' + escape_literal(s) + '"'


def template(pieces):
    out = []
    for p in pieces:
        if "s" in p:
            out.append(escape_literal(p["s"]))
        else:
            out.append("${" + source(p["i"]) + "}")
    return "".join(out)


def source(e):
    """An expression as source text inside an interpolation."""
    if isinstance(e, list):
        return "[" + ", ".join(source(x) for x in e) + "]"
    if "ref" in e:
        return e["ref"]
    if "s" in e:
        return quote(e["s"])
    if "t" in e:
        return '"' + template(e["t"]) + '"'
    if "object" in e:
        # As python-hcl2 writes an object inside a call (jsonencode's argument).
        items = []
        for k, v in e["object"]:
            key = k["id"] if "id" in k else quote(k["s"]) if "s" in k else None
            if key is None:
                raise ValueError(f"object key not understood: {k}")
            items.append(f"{key} = {source(v)}")
        return "{" + ", ".join(items) + "}"
    if "call" in e:
        return e["call"] + "(" + ", ".join(source(a) for a in e["args"]) + ")"
    if "v" in e:
        return e["v"]
    if "binary" in e:
        return source(e["lhs"]) + " " + e["binary"] + " " + source(e["rhs"])
    raise ValueError(f"hcldump expression not understood: {e}")


def value(e):
    """An attribute's value in python-hcl2's shape: strings for literals and templates
    (interpolations as ${...}), lists, dicts for objects, Python values for literals."""
    if isinstance(e, list):
        return [value(x) for x in e]
    if "s" in e:
        return escape_literal(e["s"])
    if "t" in e:
        return template(e["t"])
    if "v" in e:
        return json.loads(e["v"])
    if "object" in e:
        out = {}
        for k, v in e["object"]:
            key = k.get("id") if "id" in k else escape_literal(k["s"]) if "s" in k else None
            if key is None:
                raise ValueError(f"object key not understood: {k}")
            out[key] = value(v)
        return out
    return "${" + source(e) + "}"


def body(items):
    out = {}
    for item in items:
        if item[0] == "attr":
            out[item[1]] = value(item[2])
        else:
            _, kind, labels, inner = item
            if labels:
                raise ValueError(f"nested labelled block {kind} {labels}")
            out.setdefault(kind, []).append(body(inner))
    return out


def parse(files):
    """Every file's top-level blocks in python-hcl2's shape: {"resource": [{type: {name:
    attrs}}], "data": [...], ...}; an unlabelled block as its attributes, e.g. {"import":
    [{"to": "${aws_ssm_document.name}", "id": "SSM-SessionManagerRunShell"}]}."""
    trees = json.loads(must([str(HCLDUMP)] + [str(f) for f in files],
                            "hcldump (HashiCorp's HCL parser)"))
    parsed = []
    for f in files:
        top = {}
        for item in trees[str(f)]:
            if item[0] != "block":
                continue
            _, kind, labels, inner = item
            entry = body(inner)
            for label in reversed(labels):
                entry = {label: entry}
            top.setdefault(kind, []).append(entry)
        parsed.append(top)
    return parsed
