// Package stats holds the tail probabilities and robust estimators the
// spike detector uses: Poisson, negative binomial and binomial upper tails
// through the regularized incomplete gamma and beta functions, the normal
// tail, and median/MAD/trimmed-mean estimators.
package stats

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/mathext"
)

// PoissonSF returns P(X >= k) for X ~ Poisson(mu): the regularized lower
// incomplete gamma function P(k, mu).
func PoissonSF(k int, mu float64) float64 {
	switch {
	case k <= 0:
		return 1
	case mu <= 0:
		return 0
	}
	return mathext.GammaIncReg(float64(k), mu)
}

// NegBinomSF returns P(X >= k) for a negative binomial X with mean mu and
// variance v. When v does not exceed mu (no overdispersion) it is the
// Poisson tail. With size r = mu²/(v-mu) and q = mu/(r+mu),
// P(X >= k) = I_q(k, r), the regularized incomplete beta function.
func NegBinomSF(k int, mu, v float64) float64 {
	switch {
	case k <= 0:
		return 1
	case mu <= 0:
		return 0
	case v <= mu*(1+1e-9):
		return PoissonSF(k, mu)
	}
	r := mu * mu / (v - mu)
	return mathext.RegIncBeta(float64(k), r, mu/(r+mu))
}

// BinomSF returns P(X >= k) for X ~ Binomial(n, p): I_p(k, n-k+1).
func BinomSF(k, n int, p float64) float64 {
	switch {
	case k <= 0:
		return 1
	case k > n || p <= 0:
		return 0
	case p >= 1:
		return 1
	}
	return mathext.RegIncBeta(float64(k), float64(n-k+1), p)
}

// NormalSF returns P(Z >= z) for a standard normal Z.
func NormalSF(z float64) float64 { return 0.5 * math.Erfc(z/math.Sqrt2) }

// Median returns the median of xs (NaN for none). xs is not modified.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return median(s)
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// MAD returns the median absolute deviation of xs around their median,
// scaled by 1.4826 so it estimates the standard deviation of normal data.
func MAD(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	m := Median(xs)
	d := make([]float64, len(xs))
	for i, x := range xs {
		d[i] = math.Abs(x - m)
	}
	slices.Sort(d)
	return 1.4826 * median(d)
}

// TrimmedMean returns the mean of xs without their smallest and largest
// value when there are at least five (so one past spike or outage in the
// history does not move the baseline), else the plain mean.
func TrimmedMean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	if len(s) >= 5 {
		slices.Sort(s)
		s = s[1 : len(s)-1]
	}
	var sum float64
	for _, x := range s {
		sum += x
	}
	return sum / float64(len(s))
}

// Log10P turns a p-value into a score, -log10(p), capped at 300 so that a
// p-value that underflows to 0 still gives a finite number.
func Log10P(p float64) float64 {
	if p <= 1e-300 {
		return 300
	}
	if p >= 1 {
		return 0
	}
	return -math.Log10(p)
}
