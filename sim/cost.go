package sim

// FormulaCost returns the cost of one evaluation of a custom surface's
// formula with its derivatives (expr.Program.Cost: about a tenth of a run
// step on a built-in surface per unit), or 0 for any other surface. A
// wrapper of a surface (Cancellable's) is seen through when it has an
// Unwrap() Surface method.
func FormulaCost(s Surface) int {
	for {
		switch c := s.(type) {
		case *customSurface:
			return c.prog.Cost()
		case interface{ Unwrap() Surface }:
			s = c.Unwrap()
		default:
			return 0
		}
	}
}

// Unwrap returns the surface Cancellable wrapped.
func (s *cancelSurface) Unwrap() Surface { return s.Surface }
