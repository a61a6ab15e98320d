package stats

import (
	"math"
	"testing"
)

// Reference implementations by direct summation of the probability mass
// functions (log-space), independent of the incomplete gamma/beta routes.
func poissonSFSum(k int, mu float64) float64 {
	var sf float64
	for i := k; i < k+2000; i++ {
		lg, _ := math.Lgamma(float64(i + 1))
		sf += math.Exp(float64(i)*math.Log(mu) - mu - lg)
	}
	return sf
}

func negBinomSFSum(k int, mu, v float64) float64 {
	r := mu * mu / (v - mu)
	p := r / (r + mu)
	var sf float64
	for i := k; i < k+20000; i++ {
		a, _ := math.Lgamma(float64(i) + r)
		b, _ := math.Lgamma(float64(i + 1))
		c, _ := math.Lgamma(r)
		sf += math.Exp(a - b - c + r*math.Log(p) + float64(i)*math.Log(1-p))
	}
	return sf
}

func binomSFSum(k, n int, p float64) float64 {
	var sf float64
	for i := k; i <= n; i++ {
		a, _ := math.Lgamma(float64(n + 1))
		b, _ := math.Lgamma(float64(i + 1))
		c, _ := math.Lgamma(float64(n - i + 1))
		sf += math.Exp(a - b - c + float64(i)*math.Log(p) + float64(n-i)*math.Log(1-p))
	}
	return sf
}

func close(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol*math.Abs(want)+1e-15 {
		t.Errorf("%s = %.10g, want %.10g", name, got, want)
	}
}

// Values from published cumulative Poisson and binomial tables (e.g. the
// CRC Standard Probability and Statistics Tables), four to six decimals.
func TestTables(t *testing.T) {
	for _, c := range []struct {
		k    int
		mu   float64
		want float64 // P(X >= k)
	}{
		{1, 1, 1 - 0.367879},
		{2, 1, 1 - 0.735759},
		{6, 5, 1 - 0.615961},
		{11, 10, 1 - 0.583040},
		{5, 2, 1 - 0.947347},
		{10, 3, 1 - 0.998898},
	} {
		if got := PoissonSF(c.k, c.mu); math.Abs(got-c.want) > 1e-6 { // tables have six decimals
			t.Errorf("PoissonSF(%d, %v) = %.7f, want %.6f", c.k, c.mu, got, c.want)
		}
	}
	close(t, "BinomSF(8,10,.5)", BinomSF(8, 10, 0.5), 56.0/1024, 1e-12)
	close(t, "BinomSF(3,20,.05)", BinomSF(3, 20, 0.05), 1-0.924516, 1e-4)
	close(t, "NormalSF(1.96)", NormalSF(1.96), 0.0249979, 1e-5)
	close(t, "NormalSF(3)", NormalSF(3), 0.0013499, 1e-4)
}

func TestAgainstDirectSummation(t *testing.T) {
	for _, mu := range []float64{0.2, 1.5, 4, 12.5, 40, 150} {
		for _, f := range []float64{1, 1.5, 2, 3, 4} {
			k := int(math.Ceil(mu*f)) + 1
			want := poissonSFSum(k, mu)
			close(t, "PoissonSF", PoissonSF(k, mu), want, 1e-7)
			for _, disp := range []float64{1.1, 2, 5} {
				v := mu * disp
				close(t, "NegBinomSF", NegBinomSF(k, mu, v), negBinomSFSum(k, mu, v), 1e-7)
			}
		}
	}
	for _, c := range []struct {
		n int
		p float64
	}{{10, 0.3}, {57, 0.2}, {400, 0.15}, {1000, 0.02}} {
		for k := 0; k <= c.n; k += 1 + c.n/20 {
			if want := binomSFSum(k, c.n, c.p); want > 1e-12 {
				close(t, "BinomSF", BinomSF(k, c.n, c.p), want, 1e-8)
			}
		}
	}
}

func TestNegBinomLimits(t *testing.T) {
	// No overdispersion is Poisson; tiny overdispersion converges to it;
	// overdispersion makes a high count less surprising.
	close(t, "v=mu", NegBinomSF(20, 8, 8), PoissonSF(20, 8), 1e-12)
	close(t, "v≈mu", NegBinomSF(20, 8, 8.0001), PoissonSF(20, 8), 1e-3)
	if NegBinomSF(20, 8, 30) <= PoissonSF(20, 8) {
		t.Error("overdispersed tail should be heavier than the Poisson tail")
	}
	if p := PoissonSF(400, 100); p <= 0 || p > 1e-100 {
		t.Errorf("deep tail = %g, want a tiny positive number", p)
	}
}

func TestRobust(t *testing.T) {
	xs := []float64{10, 12, 11, 9, 250, 10, 13}
	if m := Median(xs); m != 11 {
		t.Errorf("median = %v", m)
	}
	close(t, "MAD", MAD(xs), 1.4826*1, 1e-12) // deviations 1,1,0,2,239,1,2 -> median 1
	close(t, "TrimmedMean", TrimmedMean(xs), (10+12+11+10+13)/5.0, 1e-12)
	close(t, "TrimmedMean small", TrimmedMean([]float64{1, 2, 6}), 3, 1e-12)
	if Log10P(0) != 300 || Log10P(1e-5) != 5 {
		t.Error("Log10P")
	}
}
