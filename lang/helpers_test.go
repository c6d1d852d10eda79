package lang

import (
	"reflect"
)

// clearPos zeroes every Pos in a syntax tree, so that trees can be compared
// for structure alone.
func clearPos(v any) {
	clearValue(reflect.ValueOf(v))
}

var posType = reflect.TypeOf(Pos{})

func clearValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			clearValue(v.Elem())
		}
	case reflect.Struct:
		if v.Type() == posType {
			if v.CanSet() {
				v.Set(reflect.Zero(posType))
			}
			return
		}
		for i := 0; i < v.NumField(); i++ {
			clearValue(v.Field(i))
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			clearValue(v.Index(i))
		}
	}
}

// Builders for expected trees, positions left zero.

func id(n string) Ident          { return Ident{Name: n} }
func sys(n string) SyscallRef    { return SyscallRef{Name: n} }
func setRef(n string) SyscallRef { return SyscallRef{Name: n, IsSet: true} }
func act(kind string) Action     { return Action{Kind: kind} }
func name(n string) Term         { return Term{Name: n} }
func num(text string, v uint64) Term {
	return Term{Num: v, Text: text, Neg: len(text) > 0 && text[0] == '-'}
}
func konst(ts ...Term) Const { return Const{Terms: ts} }
func actArg(kind string, ts ...Term) Action {
	c := konst(ts...)
	return Action{Kind: kind, Arg: &c}
}
func cmp(arg, op string, v Const) *CompareExpr {
	return &CompareExpr{Arg: id(arg), Op: op, Value: v}
}
func masked(arg string, mask Const, op string, v Const) *CompareExpr {
	return &CompareExpr{Arg: id(arg), Mask: &mask, Op: op, Value: v}
}
func and(x, y Expr) Expr { return &BinaryExpr{Op: "&&", X: x, Y: y} }
func or(x, y Expr) Expr  { return &BinaryExpr{Op: "||", X: x, Y: y} }
func not(x Expr) Expr    { return &NotExpr{X: x} }
