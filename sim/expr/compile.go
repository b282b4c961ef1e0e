package expr

import (
	"math"
	"sync"
)

type opcode uint8

// Instructions. Each one writes its own slot; a and b are slots of earlier
// instructions, c and d constants.
const (
	// no operand
	opConst opcode = iota // c
	opX                   // x
	opY                   // y

	// two operands
	opAdd // a + b
	opSub // a - b
	opMul // a * b
	opDiv // a / b
	opPow // a ^ b, for a non-constant exponent and base
	opMin // min(a, b), a at a tie
	opMax // max(a, b), a at a tie

	// one operand, linear
	opNeg   // -a
	opAddC  // a + c (a - k compiles to a + (-k), which IEEE defines as the same)
	opRSubC // c - a
	opMulC  // a * c
	opDivC  // a / c

	// one operand, non-linear
	opRDivC  // c / a
	opSquare // a * a
	opPowI   // a ^ c, c an integer in [-maxPowI, maxPowI]
	opPowC   // a ^ c, any other constant c
	opExpC   // c ^ a, with d = ln c
	opSin
	opCos
	opTan
	opAsin
	opAcos
	opAtan
	opExp
	opLog
	opLog10
	opSqrt
	opAbs
	opTanh
	opSinh
	opCosh
)

// maxPowI bounds the integer exponents evaluated by repeated squaring.
const maxPowI = 64

func (op opcode) arity() int {
	switch {
	case op <= opY:
		return 0
	case op <= opMax:
		return 2
	}
	return 1
}

type instr struct {
	op   opcode
	a, b int32
	c, d float64
}

// Program is a compiled formula: a flat list of instructions evaluated in
// order, with constant subexpressions folded, repeated subexpressions
// computed once and constant operands built into the instructions. It is
// immutable apart from a pool of scratch buffers, and safe for concurrent
// use. Evaluating it does not allocate (once its pool is warm) and takes
// time proportional to Len. Make one with Compile; the zero Program is not
// usable.
type Program struct {
	code []instr
	expr *Expr
	pool sync.Pool // *scratch
}

// Len returns the number of instructions of p, at most the number of nodes
// of the formula.
func (p *Program) Len() int { return len(p.code) }

// String returns the canonical text of the formula p was compiled from.
func (p *Program) String() string { return p.expr.String() }

// Compile compiles e into a program.
func (e *Expr) Compile() *Program {
	c := &compiler{cse: make(map[instrKey]int32)}
	last := c.lower(e.root)
	return &Program{code: c.finish(last), expr: e}
}

type instrKey struct {
	op     opcode
	a, b   int32
	cb, db uint64 // bits of c and d, so that 0 and -0 stay apart
}

type compiler struct {
	code []instr
	cse  map[instrKey]int32
}

func (c *compiler) emit(in instr) int32 {
	k := instrKey{in.op, in.a, in.b, math.Float64bits(in.c), math.Float64bits(in.d)}
	if i, ok := c.cse[k]; ok {
		return i
	}
	i := int32(len(c.code))
	c.code = append(c.code, in)
	c.cse[k] = i
	return i
}

func (c *compiler) constant(v float64) int32 { return c.emit(instr{op: opConst, c: v}) }

func (c *compiler) isConst(i int32) (float64, bool) {
	in := c.code[i]
	return in.c, in.op == opConst
}

// fold evaluates in, whose operands are constants va and vb, exactly as the
// evaluator would at run time.
func (c *compiler) fold(in instr, va, vb float64) int32 {
	in.a, in.b = 0, 1
	mini := []instr{{op: opConst, c: va}, {op: opConst, c: vb}, in}
	return c.constant(runValue(mini, make([]float64, len(mini)), 0, 0))
}

func (c *compiler) lower(n *node) int32 {
	switch n.kind {
	case kNum:
		return c.constant(n.num)
	case kX:
		return c.emit(instr{op: opX})
	case kY:
		return c.emit(instr{op: opY})
	case kNeg:
		return c.unary(opNeg, c.lower(n.a))
	case kAdd:
		return c.binary(opAdd, c.lower(n.a), c.lower(n.b))
	case kSub:
		return c.binary(opSub, c.lower(n.a), c.lower(n.b))
	case kMul:
		return c.binary(opMul, c.lower(n.a), c.lower(n.b))
	case kDiv:
		return c.binary(opDiv, c.lower(n.a), c.lower(n.b))
	case kPow:
		return c.binary(opPow, c.lower(n.a), c.lower(n.b))
	case kCall:
		if n.fn.nargs == 1 {
			return c.unary(n.fn.op, c.lower(n.args[0]))
		}
		return c.binary(n.fn.op, c.lower(n.args[0]), c.lower(n.args[1]))
	}
	panic("expr: unknown node kind")
}

func (c *compiler) unary(op opcode, a int32) int32 {
	return c.unaryC(instr{op: op, a: a})
}

func (c *compiler) unaryC(in instr) int32 {
	if va, ok := c.isConst(in.a); ok {
		return c.fold(instr{op: in.op, c: in.c, d: in.d}, va, 0)
	}
	return c.emit(in)
}

func (c *compiler) binary(op opcode, a, b int32) int32 {
	va, ca := c.isConst(a)
	vb, cb := c.isConst(b)
	switch {
	case ca && cb:
		return c.fold(instr{op: op}, va, vb)
	case cb:
		switch op {
		case opAdd:
			return c.emit(instr{op: opAddC, a: a, c: vb})
		case opSub:
			return c.emit(instr{op: opAddC, a: a, c: -vb})
		case opMul:
			return c.emit(instr{op: opMulC, a: a, c: vb})
		case opDiv:
			return c.emit(instr{op: opDivC, a: a, c: vb})
		case opPow:
			return c.powConst(a, vb)
		}
	case ca:
		switch op {
		case opAdd:
			return c.emit(instr{op: opAddC, a: b, c: va})
		case opSub:
			return c.emit(instr{op: opRSubC, a: b, c: va})
		case opMul:
			return c.emit(instr{op: opMulC, a: b, c: va})
		case opDiv:
			return c.emit(instr{op: opRDivC, a: b, c: va})
		case opPow:
			if va == math.E {
				return c.emit(instr{op: opExp, a: b})
			}
			return c.emit(instr{op: opExpC, a: b, c: va, d: math.Log(va)})
		}
	}
	return c.emit(instr{op: op, a: a, b: b})
}

// powConst compiles a^k for a constant k.
func (c *compiler) powConst(a int32, k float64) int32 {
	switch {
	case k == 1:
		return a // math.Pow(v, 1) is v for every v
	case k == 2:
		return c.emit(instr{op: opSquare, a: a})
	case k == math.Trunc(k) && math.Abs(k) <= maxPowI:
		return c.emit(instr{op: opPowI, a: a, c: k})
	}
	return c.emit(instr{op: opPowC, a: a, c: k})
}

// finish drops the instructions that the result does not use (constants
// built into others) and renumbers the rest.
func (c *compiler) finish(last int32) []instr {
	live := make([]bool, len(c.code))
	live[last] = true
	for i := last; i >= 0; i-- {
		if !live[i] {
			continue
		}
		in := c.code[i]
		switch in.op.arity() {
		case 2:
			live[in.b] = true
			fallthrough
		case 1:
			live[in.a] = true
		}
	}
	newIndex := make([]int32, len(c.code))
	var code []instr
	for i, in := range c.code[:last+1] {
		if !live[i] {
			continue
		}
		in.a, in.b = newIndex[in.a], newIndex[in.b]
		if in.op.arity() < 2 {
			in.b = 0
		}
		if in.op.arity() < 1 {
			in.a = 0
		}
		newIndex[i] = int32(len(code))
		code = append(code, in)
	}
	return code
}
