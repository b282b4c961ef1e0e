package expr

// Cost returns the estimated cost of one evaluation of p with its exact
// first and second derivatives (Eval), in units of one addition: the sum of
// its instructions' weights. The weights come from timing each kind of
// instruction in a long formula of it (go test ./sim/expr -run XXX -bench
// Cost): linear ones cost about 1, divisions, squares, square roots and
// integer powers about 3, trigonometric, exponential and logarithmic
// functions about 7, the hyperbolic sine and cosine about 10, and powers
// with a non-integer or non-constant exponent (which go through exp and
// log with their derivatives) about 36. A server bounds the work of a
// request by it: evaluation time is far from proportional to Len.
func (p *Program) Cost() int {
	total := 0
	for i := range p.code {
		total += p.code[i].op.cost()
	}
	return max(total, 1)
}

// cost is the weight of one instruction of op (see Program.Cost).
func (op opcode) cost() int {
	switch op {
	case opConst, opX, opY, opAdd, opSub, opMul, opMin, opMax,
		opNeg, opAddC, opRSubC, opMulC, opDivC, opAbs:
		return 1
	case opDiv, opRDivC, opSquare, opPowI, opSqrt:
		return 3
	case opSin, opCos, opTan, opAsin, opAcos, opAtan, opExp, opLog, opLog10, opTanh:
		return 7
	case opSinh, opCosh:
		return 10
	case opPow, opPowC, opExpC:
		return 36
	}
	return 36 // an instruction added later and not weighed: assume the worst
}
