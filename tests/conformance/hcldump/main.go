// hcldump reads HCL files with HashiCorp's own parser (hclsyntax, from Debian's
// golang-github-hashicorp-hcl-v2-dev, the library Terraform parses with) and prints each
// file's syntax tree as JSON: blocks, attributes and expressions in source order, string
// templates as literal text and interpolations. The conformance suite compares these
// trees (tests/conformance/hostile.py) and reads the IAM model from them
// (tests/conformance/hashicorp_tf.py). It exits 1 on any parse error.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

type dumper struct{ src []byte }

func (d dumper) source(r hcl.Range) string { return string(r.SliceBytes(d.src)) }

func traversal(t hcl.Traversal) string {
	var b strings.Builder
	for _, step := range t {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			b.WriteString(s.Name)
		case hcl.TraverseAttr:
			b.WriteString("." + s.Name)
		case hcl.TraverseIndex:
			b.WriteString(fmt.Sprintf("[%#v]", s.Key))
		default:
			b.WriteString(fmt.Sprintf("<%T>", s))
		}
	}
	return b.String()
}

// template merges literal parts, including interpolated string literals such as
// ${"$"}, into runs of text.
func (d dumper) template(parts []hclsyntax.Expression) interface{} {
	var pieces []interface{}
	lit, haveLit := "", false
	for _, p := range parts {
		v := d.expr(p)
		if m, ok := v.(map[string]interface{}); ok {
			if s, ok := m["s"].(string); ok && len(m) == 1 {
				lit += s
				haveLit = true
				continue
			}
		}
		if haveLit && lit != "" {
			pieces = append(pieces, map[string]interface{}{"s": lit})
		}
		lit, haveLit = "", false
		pieces = append(pieces, map[string]interface{}{"i": v})
	}
	if len(pieces) == 0 {
		return map[string]interface{}{"s": lit}
	}
	if lit != "" {
		pieces = append(pieces, map[string]interface{}{"s": lit})
	}
	return map[string]interface{}{"t": pieces}
}

// binaryOp names the comparison and logic operators (ssmgen writes `==` in postconditions).
func binaryOp(op *hclsyntax.Operation) string {
	switch op {
	case hclsyntax.OpEqual:
		return "=="
	case hclsyntax.OpNotEqual:
		return "!="
	case hclsyntax.OpLogicalAnd:
		return "&&"
	case hclsyntax.OpLogicalOr:
		return "||"
	}
	return fmt.Sprintf("%v", op.Impl)
}

func (d dumper) expr(e hclsyntax.Expression) interface{} {
	switch x := e.(type) {
	case *hclsyntax.LiteralValueExpr:
		if x.Val.Type() == cty.String {
			return map[string]interface{}{"s": x.Val.AsString()}
		}
		return map[string]interface{}{"v": d.source(x.SrcRange)}
	case *hclsyntax.TemplateExpr:
		return d.template(x.Parts)
	case *hclsyntax.TemplateWrapExpr:
		return d.template([]hclsyntax.Expression{x.Wrapped})
	case *hclsyntax.ScopeTraversalExpr:
		return map[string]interface{}{"ref": traversal(x.Traversal)}
	case *hclsyntax.FunctionCallExpr:
		args := []interface{}{}
		for _, a := range x.Args {
			args = append(args, d.expr(a))
		}
		return map[string]interface{}{"call": x.Name, "args": args}
	case *hclsyntax.TupleConsExpr:
		items := []interface{}{}
		for _, it := range x.Exprs {
			items = append(items, d.expr(it))
		}
		return items
	case *hclsyntax.ObjectConsExpr:
		items := []interface{}{}
		for _, it := range x.Items {
			items = append(items, []interface{}{d.expr(it.KeyExpr), d.expr(it.ValueExpr)})
		}
		return map[string]interface{}{"object": items}
	case *hclsyntax.ObjectConsKeyExpr:
		if !x.ForceNonLiteral {
			if name := hcl.ExprAsKeyword(x.Wrapped); name != "" {
				return map[string]interface{}{"id": name}
			}
		}
		return d.expr(x.Wrapped)
	case *hclsyntax.ParenthesesExpr:
		return d.expr(x.Expression)
	case *hclsyntax.BinaryOpExpr:
		return map[string]interface{}{"binary": binaryOp(x.Op), "lhs": d.expr(x.LHS), "rhs": d.expr(x.RHS)}
	default:
		return map[string]interface{}{"other": fmt.Sprintf("%T", e), "src": d.source(e.Range())}
	}
}

func (d dumper) body(b *hclsyntax.Body) interface{} {
	type item struct {
		at int
		v  interface{}
	}
	var items []item
	for _, a := range b.Attributes {
		items = append(items, item{a.SrcRange.Start.Byte, []interface{}{"attr", a.Name, d.expr(a.Expr)}})
	}
	for _, bl := range b.Blocks {
		labels := bl.Labels
		if labels == nil {
			labels = []string{}
		}
		items = append(items, item{bl.TypeRange.Start.Byte, []interface{}{"block", bl.Type, labels, d.body(bl.Body)}})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].at < items[j].at })
	out := []interface{}{}
	for _, it := range items {
		out = append(out, it.v)
	}
	return out
}

func main() {
	out := map[string]interface{}{}
	failed := false
	for _, path := range os.Args[1:] {
		src, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		f, diags := hclsyntax.ParseConfig(src, path, hcl.Pos{Line: 1, Column: 1})
		if diags.HasErrors() {
			fmt.Fprintln(os.Stderr, diags.Error())
			failed = true
			continue
		}
		out[path] = dumper{src}.body(f.Body.(*hclsyntax.Body))
	}
	if failed {
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}
