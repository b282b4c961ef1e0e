package expr

import "testing"

// bench20 is a formula of exactly 20 nodes.
const bench20 = "sin(x)*cos(y) + 0.1*(x^2 + y^2) + exp(x*y)"

func compileBench(b *testing.B, src string) *Program {
	e, err := Parse(src)
	if err != nil {
		b.Fatal(err)
	}
	if src == bench20 && e.Nodes() != 20 {
		b.Fatalf("%d nodes, want 20", e.Nodes())
	}
	return e.Compile()
}

var sink float64

func BenchmarkValue20(b *testing.B) {
	p := compileBench(b, bench20)
	b.ReportAllocs()
	x := 0.3
	for b.Loop() {
		sink += p.Value(x, -0.7)
	}
}

func BenchmarkGrad20(b *testing.B) {
	p := compileBench(b, bench20)
	b.ReportAllocs()
	for b.Loop() {
		v, dx, dy := p.Grad(0.3, -0.7)
		sink += v + dx + dy
	}
}

func BenchmarkEval20(b *testing.B) {
	p := compileBench(b, bench20)
	b.ReportAllocs()
	for b.Loop() {
		j := p.Eval(0.3, -0.7)
		sink += j.V + j.DXX
	}
}

// BenchmarkGrid512 evaluates the 20-node formula on a 512×512 grid, as the
// grid endpoint does for the heat map.
func BenchmarkGrid512(b *testing.B) {
	p := compileBench(b, bench20)
	const n = 512
	out := make([]float64, n*n)
	b.ReportAllocs()
	for b.Loop() {
		for j := range n {
			y := -3 + 6*float64(j)/(n-1)
			for i := range n {
				out[j*n+i] = p.Value(-3+6*float64(i)/(n-1), y)
			}
		}
	}
	sink += out[n*n/2]
}

func BenchmarkCompile20(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(bench20); err != nil {
			b.Fatal(err)
		}
	}
}
