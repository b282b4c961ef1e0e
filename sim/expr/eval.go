package expr

import "math"

// scratch holds one slot per instruction for each evaluation path; a
// Program keeps them in a pool so that evaluation does not allocate.
type scratch struct {
	vals  []float64
	grads []grad
	jets  []Jet
}

// grad is a value with its gradient.
type grad struct{ v, dx, dy float64 }

func (p *Program) scratch() *scratch {
	if s, ok := p.pool.Get().(*scratch); ok {
		return s
	}
	return &scratch{}
}

// Value returns f(x, y).
func (p *Program) Value(x, y float64) float64 {
	s := p.scratch()
	if len(s.vals) < len(p.code) {
		s.vals = make([]float64, len(p.code))
	}
	v := runValue(p.code, s.vals, x, y)
	p.pool.Put(s)
	return v
}

// Grad returns f(x, y) and its gradient (∂f/∂x, ∂f/∂y). The value is the
// one Value returns.
func (p *Program) Grad(x, y float64) (v, dx, dy float64) {
	s := p.scratch()
	if len(s.grads) < len(p.code) {
		s.grads = make([]grad, len(p.code))
	}
	g := runGrad(p.code, s.grads, x, y)
	p.pool.Put(s)
	return g.v, g.dx, g.dy
}

// Eval returns f(x, y) with its first and second derivatives. The value is
// the one Value returns, the gradient the one Grad returns.
func (p *Program) Eval(x, y float64) Jet {
	s := p.scratch()
	if len(s.jets) < len(p.code) {
		s.jets = make([]Jet, len(p.code))
	}
	j := runJet(p.code, s.jets, x, y)
	p.pool.Put(s)
	return j
}

// ipow returns u^n by repeated squaring.
func ipow(u float64, n int) float64 {
	if n < 0 {
		return 1 / ipow(u, -n)
	}
	r := 1.0
	for n > 0 {
		if n&1 == 1 {
			r *= u
		}
		u *= u
		n >>= 1
	}
	return r
}

// runValue evaluates code at (x, y) with vals as its slots and returns the
// last slot. It is the reference for the value: the other paths compute it
// with the same operations. The cheap arithmetic is inline (it is most of
// a formula's instructions); the rest is in slowValue.
func runValue(code []instr, vals []float64, x, y float64) float64 {
	vals = vals[:len(code)]
	for i := range code {
		in := &code[i]
		var v float64
		switch in.op {
		case opConst:
			v = in.c
		case opX:
			v = x
		case opY:
			v = y
		case opAdd:
			v = vals[in.a] + vals[in.b]
		case opSub:
			v = vals[in.a] - vals[in.b]
		case opMul:
			v = vals[in.a] * vals[in.b]
		case opNeg:
			v = -vals[in.a]
		case opAddC:
			v = vals[in.a] + in.c
		case opMulC:
			v = vals[in.a] * in.c
		case opSquare:
			u := vals[in.a]
			v = u * u
		default:
			v = slowValue(in, vals)
		}
		vals[i] = v
	}
	return vals[len(code)-1]
}

// slowValue returns the value of an instruction runValue does not inline:
// division, powers, min and max (which propagate a NaN second operand, as
// math.Min and math.Max do) and the function calls.
func slowValue(in *instr, vals []float64) float64 {
	switch in.op {
	case opDiv:
		return vals[in.a] / vals[in.b]
	case opPow:
		return math.Pow(vals[in.a], vals[in.b])
	case opMin:
		if a, b := vals[in.a], vals[in.b]; !(b < a || b != b) {
			return a
		}
		return vals[in.b]
	case opMax:
		if a, b := vals[in.a], vals[in.b]; !(b > a || b != b) {
			return a
		}
		return vals[in.b]
	case opRSubC:
		return in.c - vals[in.a]
	case opDivC:
		return vals[in.a] / in.c
	case opRDivC:
		return in.c / vals[in.a]
	case opPowI:
		return ipow(vals[in.a], int(in.c))
	case opPowC:
		return math.Pow(vals[in.a], in.c)
	case opExpC:
		return math.Pow(in.c, vals[in.a])
	}
	return funcValue(in.op, vals[in.a])
}

// funcValue returns the value of a function call instruction at u; 0 for
// an op that is none.
func funcValue(op opcode, u float64) float64 {
	switch op {
	case opSin:
		return math.Sin(u)
	case opCos:
		return math.Cos(u)
	case opTan:
		return math.Tan(u)
	case opAsin:
		return math.Asin(u)
	case opAcos:
		return math.Acos(u)
	case opAtan:
		return math.Atan(u)
	case opExp:
		return math.Exp(u)
	case opLog:
		return math.Log(u)
	case opLog10:
		return math.Log10(u)
	case opSqrt:
		return math.Sqrt(u)
	case opAbs:
		return math.Abs(u)
	case opTanh:
		return math.Tanh(u)
	case opSinh:
		return math.Sinh(u)
	case opCosh:
		return math.Cosh(u)
	}
	return 0
}

// deriv returns the value of a non-linear one-operand instruction at u with
// its first and second derivatives with respect to u.
func deriv(in *instr, u float64) (v, g1, g2 float64) {
	switch in.op {
	case opRDivC:
		v = in.c / u
		g1 = -v / u
		g2 = -2 * g1 / u
	case opSquare:
		v, g1, g2 = u*u, 2*u, 2
	case opPowI:
		n := int(in.c)
		v = ipow(u, n)
		if n != 0 {
			g1 = in.c * ipow(u, n-1)
		}
		if n != 0 && n != 1 {
			g2 = in.c * (in.c - 1) * ipow(u, n-2)
		}
	case opPowC:
		v = math.Pow(u, in.c)
		g1 = in.c * math.Pow(u, in.c-1)
		g2 = in.c * (in.c - 1) * math.Pow(u, in.c-2)
	case opExpC:
		v = math.Pow(in.c, u)
		g1 = v * in.d
		g2 = g1 * in.d
	case opSin:
		v = math.Sin(u)
		g1, g2 = math.Cos(u), -v
	case opCos:
		v = math.Cos(u)
		g1, g2 = -math.Sin(u), -v
	case opTan:
		v = math.Tan(u)
		g1 = 1 + v*v
		g2 = 2 * v * g1
	case opAsin, opAcos:
		s := 1 - u*u
		g1 = 1 / math.Sqrt(s)
		g2 = u * g1 / s
		if in.op == opAsin {
			v = math.Asin(u)
		} else {
			v, g1, g2 = math.Acos(u), -g1, -g2
		}
	case opAtan:
		v = math.Atan(u)
		g1 = 1 / (1 + u*u)
		g2 = -2 * u * g1 * g1
	case opExp:
		v = math.Exp(u)
		g1, g2 = v, v
	case opLog:
		v = math.Log(u)
		g1 = 1 / u
		g2 = -g1 * g1
	case opLog10:
		v = math.Log10(u)
		g1 = 1 / (u * math.Ln10)
		g2 = -g1 / u
	case opSqrt:
		v = math.Sqrt(u)
		g1 = 0.5 / v
		g2 = -0.5 * g1 / u
	case opAbs:
		v = math.Abs(u)
		switch {
		case u > 0:
			g1 = 1
		case u < 0:
			g1 = -1
		}
	case opTanh:
		v = math.Tanh(u)
		g1 = 1 - v*v
		g2 = -2 * v * g1
	case opSinh:
		v = math.Sinh(u)
		g1, g2 = math.Cosh(u), v
	case opCosh:
		v = math.Cosh(u)
		g1, g2 = math.Sinh(u), v
	default:
		panic("expr: deriv of a linear or two-operand instruction")
	}
	return v, g1, g2
}

// runGrad is runValue carrying the gradient.
func runGrad(code []instr, s []grad, x, y float64) grad {
	s = s[:len(code)]
	for i := range code {
		in := &code[i]
		var r grad
		switch in.op {
		case opConst:
			r = grad{v: in.c}
		case opX:
			r = grad{x, 1, 0}
		case opY:
			r = grad{y, 0, 1}
		case opAdd:
			a, b := &s[in.a], &s[in.b]
			r = grad{a.v + b.v, a.dx + b.dx, a.dy + b.dy}
		case opSub:
			a, b := &s[in.a], &s[in.b]
			r = grad{a.v - b.v, a.dx - b.dx, a.dy - b.dy}
		case opMul:
			a, b := &s[in.a], &s[in.b]
			r = grad{a.v * b.v, a.dx*b.v + a.v*b.dx, a.dy*b.v + a.v*b.dy}
		case opDiv:
			a, b := &s[in.a], &s[in.b]
			w := a.v / b.v
			r = grad{w, (a.dx - w*b.dx) / b.v, (a.dy - w*b.dy) / b.v}
		case opPow:
			a, b := &s[in.a], &s[in.b]
			p := math.Pow(a.v, b.v)
			l := math.Log(a.v)
			r = grad{p, p * (b.dx*l + b.v*(a.dx/a.v)), p * (b.dy*l + b.v*(a.dy/a.v))}
		case opMin:
			r = s[in.a]
			if b := s[in.b]; b.v < r.v || b.v != b.v {
				r = b
			}
		case opMax:
			r = s[in.a]
			if b := s[in.b]; b.v > r.v || b.v != b.v {
				r = b
			}
		case opNeg:
			a := &s[in.a]
			r = grad{-a.v, -a.dx, -a.dy}
		case opAddC:
			a := &s[in.a]
			r = grad{a.v + in.c, a.dx, a.dy}
		case opRSubC:
			a := &s[in.a]
			r = grad{in.c - a.v, -a.dx, -a.dy}
		case opMulC:
			a := &s[in.a]
			r = grad{a.v * in.c, a.dx * in.c, a.dy * in.c}
		case opDivC:
			a := &s[in.a]
			r = grad{a.v / in.c, a.dx / in.c, a.dy / in.c}
		case opSquare:
			a := &s[in.a]
			r = grad{a.v * a.v, 2 * a.v * a.dx, 2 * a.v * a.dy}
		default:
			a := &s[in.a]
			v, g1, _ := deriv(in, a.v)
			r = grad{v, g1 * a.dx, g1 * a.dy}
		}
		s[i] = r
	}
	return s[len(code)-1]
}

// chain returns g(u) from g's value v and derivatives g1, g2 at u.V.
func chain(u *Jet, v, g1, g2 float64) Jet {
	return Jet{
		V:   v,
		DX:  g1 * u.DX,
		DY:  g1 * u.DY,
		DXX: g2*u.DX*u.DX + g1*u.DXX,
		DXY: g2*u.DX*u.DY + g1*u.DXY,
		DYY: g2*u.DY*u.DY + g1*u.DYY,
	}
}

// runJet is runValue carrying the gradient and the Hessian.
func runJet(code []instr, s []Jet, x, y float64) Jet {
	s = s[:len(code)]
	for i := range code {
		in := &code[i]
		var r Jet
		switch in.op {
		case opConst:
			r = Jet{V: in.c}
		case opX:
			r = Jet{V: x, DX: 1}
		case opY:
			r = Jet{V: y, DY: 1}
		case opAdd:
			a, b := &s[in.a], &s[in.b]
			r = Jet{a.V + b.V, a.DX + b.DX, a.DY + b.DY, a.DXX + b.DXX, a.DXY + b.DXY, a.DYY + b.DYY}
		case opSub:
			a, b := &s[in.a], &s[in.b]
			r = Jet{a.V - b.V, a.DX - b.DX, a.DY - b.DY, a.DXX - b.DXX, a.DXY - b.DXY, a.DYY - b.DYY}
		case opMul:
			a, b := &s[in.a], &s[in.b]
			r = Jet{
				V:   a.V * b.V,
				DX:  a.DX*b.V + a.V*b.DX,
				DY:  a.DY*b.V + a.V*b.DY,
				DXX: a.DXX*b.V + 2*a.DX*b.DX + a.V*b.DXX,
				DXY: a.DXY*b.V + a.DX*b.DY + a.DY*b.DX + a.V*b.DXY,
				DYY: a.DYY*b.V + 2*a.DY*b.DY + a.V*b.DYY,
			}
		case opDiv:
			a, b := &s[in.a], &s[in.b]
			w := a.V / b.V
			wx := (a.DX - w*b.DX) / b.V
			wy := (a.DY - w*b.DY) / b.V
			r = Jet{
				V:   w,
				DX:  wx,
				DY:  wy,
				DXX: (a.DXX - 2*wx*b.DX - w*b.DXX) / b.V,
				DXY: (a.DXY - wx*b.DY - wy*b.DX - w*b.DXY) / b.V,
				DYY: (a.DYY - 2*wy*b.DY - w*b.DYY) / b.V,
			}
		case opPow:
			r = powJet(&s[in.a], &s[in.b])
		case opMin:
			r = s[in.a]
			if b := &s[in.b]; b.V < r.V || b.V != b.V {
				r = *b
			}
		case opMax:
			r = s[in.a]
			if b := &s[in.b]; b.V > r.V || b.V != b.V {
				r = *b
			}
		case opNeg:
			a := &s[in.a]
			r = Jet{-a.V, -a.DX, -a.DY, -a.DXX, -a.DXY, -a.DYY}
		case opAddC:
			r = s[in.a]
			r.V += in.c
		case opRSubC:
			a := &s[in.a]
			r = Jet{in.c - a.V, -a.DX, -a.DY, -a.DXX, -a.DXY, -a.DYY}
		case opMulC:
			a, c := &s[in.a], in.c
			r = Jet{a.V * c, a.DX * c, a.DY * c, a.DXX * c, a.DXY * c, a.DYY * c}
		case opDivC:
			a, c := &s[in.a], in.c
			r = Jet{a.V / c, a.DX / c, a.DY / c, a.DXX / c, a.DXY / c, a.DYY / c}
		default:
			a := &s[in.a]
			v, g1, g2 := deriv(in, a.V)
			r = chain(a, v, g1, g2)
		}
		s[i] = r
	}
	return s[len(code)-1]
}

// powJet returns a^b for a non-constant base and exponent, as exp(b·ln a).
// Its derivatives exist for a > 0 only; elsewhere they come out NaN or
// infinite, as the value's do.
func powJet(a, b *Jet) Jet {
	l := math.Log(a.V)
	lx, ly := a.DX/a.V, a.DY/a.V
	lxx := a.DXX/a.V - lx*lx
	lxy := a.DXY/a.V - lx*ly
	lyy := a.DYY/a.V - ly*ly
	tx := b.DX*l + b.V*lx
	ty := b.DY*l + b.V*ly
	txx := b.DXX*l + 2*b.DX*lx + b.V*lxx
	txy := b.DXY*l + b.DX*ly + b.DY*lx + b.V*lxy
	tyy := b.DYY*l + 2*b.DY*ly + b.V*lyy
	p := math.Pow(a.V, b.V)
	return Jet{p, p * tx, p * ty, p * (txx + tx*tx), p * (txy + tx*ty), p * (tyy + ty*ty)}
}
