package classify

// brandIndex finds every brand pattern in a text in one pass (an
// Aho–Corasick automaton over all brands' patterns): searching for each
// pattern on its own scanned the text once per pattern, and Finnish text is
// full of the first letters of names.
type brandIndex struct {
	root  [256]int32 // the root's transitions; every byte has one
	nodes []acNode
}

type acNode struct {
	edges []acEdge
	fail  int32
	out   []patternRef // patterns ending here, those of the fail chain included
}

type acEdge struct {
	b    byte
	next int32
}

// patternRef names brands[brand].patterns[pattern].
type patternRef struct {
	brand, pattern int32
	length         int32
}

// brandHit is one occurrence of a pattern: text[start:end].
type brandHit struct {
	patternRef
	start, end int32
}

func newBrandIndex(brands []*brandMatcher) *brandIndex {
	ix := &brandIndex{nodes: make([]acNode, 1)}
	for bi, b := range brands {
		for pi, p := range b.patterns {
			n := int32(0)
			for i := 0; i < len(p.text); i++ {
				next := ix.child(n, p.text[i])
				if next <= 0 {
					next = int32(len(ix.nodes))
					ix.nodes = append(ix.nodes, acNode{})
					if n == 0 {
						ix.root[p.text[i]] = next
					} else {
						ix.nodes[n].edges = append(ix.nodes[n].edges, acEdge{b: p.text[i], next: next})
					}
				}
				n = next
			}
			ix.nodes[n].out = append(ix.nodes[n].out, patternRef{brand: int32(bi), pattern: int32(pi), length: int32(len(p.text))})
		}
	}
	// Failure links breadth first, so a node's fail target is done before it.
	var queue []int32
	for b := range 256 {
		if next := ix.root[b]; next > 0 {
			queue = append(queue, next)
		}
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, e := range ix.nodes[n].edges {
			f := ix.nodes[n].fail
			for f != 0 && ix.child(f, e.b) <= 0 {
				f = ix.nodes[f].fail
			}
			target := ix.child(f, e.b)
			if target <= 0 || target == e.next {
				target = 0
			}
			ix.nodes[e.next].fail = target
			ix.nodes[e.next].out = append(ix.nodes[e.next].out, ix.nodes[target].out...)
			queue = append(queue, e.next)
		}
	}
	return ix
}

// child is n's transition on b, or ≤ 0 when it has none.
func (ix *brandIndex) child(n int32, b byte) int32 {
	if n == 0 {
		return ix.root[b]
	}
	for _, e := range ix.nodes[n].edges {
		if e.b == b {
			return e.next
		}
	}
	return -1
}

// scan appends every occurrence of every pattern in s, ordered by end.
func (ix *brandIndex) scan(s string, hits []brandHit) []brandHit {
	var n int32
	for i := 0; i < len(s); i++ {
		b := s[i]
		for {
			if next := ix.child(n, b); next > 0 {
				n = next
				break
			}
			if n == 0 {
				break
			}
			n = ix.nodes[n].fail
		}
		for _, ref := range ix.nodes[n].out {
			end := int32(i + 1)
			hits = append(hits, brandHit{patternRef: ref, start: end - ref.length, end: end})
		}
	}
	return hits
}
