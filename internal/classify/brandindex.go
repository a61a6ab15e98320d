package classify

// brandIndex finds every brand pattern in a text in one pass (an
// Aho–Corasick automaton over all brands' patterns): searching for each
// pattern on its own scanned the text once per pattern, and Finnish text is
// full of the first letters of names.
//
// The automaton is kept as a table: the next state for every state and
// byte class, fail links folded in, so scanning costs one lookup a byte.
type brandIndex struct {
	class [256]uint16 // bytes that occur in no pattern share class 0
	width int         // classes, the length of a state's row in next
	// next[row+class] is the next state's row (state*width), negated if
	// patterns end there: the scan needs neither a multiply nor a lookup
	// of outAt for a byte that completes no pattern.
	next  []int32
	outAt []int32 // state s's patterns are out[outAt[s]:outAt[s+1]]
	out   []patternRef
	// starts has the bytes that lead from the root to another state, and
	// pairs the two bytes patterns start with (a one-byte pattern's byte
	// with any other): the scan passes the other places by without a
	// step of the automaton, from which the second byte would fall back
	// to the root.
	starts [256]bool
	pairs  [256][4]uint64
}

// acNode is a node of the pattern trie the table is built from.
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
	ix := &brandIndex{width: 1}
	nodes := make([]acNode, 1)
	child := func(n int32, b byte) int32 {
		for _, e := range nodes[n].edges {
			if e.b == b {
				return e.next
			}
		}
		return -1
	}
	for bi, b := range brands {
		for pi, p := range b.patterns {
			n := int32(0)
			for i := 0; i < len(p.Text); i++ {
				c := p.Text[i]
				if ix.class[c] == 0 {
					ix.class[c] = uint16(ix.width)
					ix.width++
				}
				next := child(n, c)
				if next < 0 {
					next = int32(len(nodes))
					nodes = append(nodes, acNode{})
					nodes[n].edges = append(nodes[n].edges, acEdge{b: c, next: next})
				}
				n = next
			}
			nodes[n].out = append(nodes[n].out, patternRef{brand: int32(bi), pattern: int32(pi), length: int32(len(p.Text))})
			if first := p.Text[0]; len(p.Text) == 1 {
				ix.pairs[first] = [4]uint64{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}
			} else {
				ix.pairs[first][p.Text[1]/64] |= 1 << (p.Text[1] % 64)
			}
		}
	}
	// Failure links and table rows breadth first, so a node's fail target
	// is done before it.
	ix.next = make([]int32, len(nodes)*ix.width)
	for _, e := range nodes[0].edges {
		ix.next[ix.class[e.b]] = e.next
	}
	queue := make([]int32, 0, len(nodes))
	for _, e := range nodes[0].edges {
		queue = append(queue, e.next)
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		row := ix.next[int(n)*ix.width:][:ix.width]
		copy(row, ix.next[int(nodes[n].fail)*ix.width:])
		for _, e := range nodes[n].edges {
			row[ix.class[e.b]] = e.next
			f := nodes[n].fail
			for f != 0 && child(f, e.b) < 0 {
				f = nodes[f].fail
			}
			target := child(f, e.b)
			if target < 0 || target == e.next {
				target = 0
			}
			nodes[e.next].fail = target
			nodes[e.next].out = append(nodes[e.next].out, nodes[target].out...)
			queue = append(queue, e.next)
		}
	}
	ix.outAt = make([]int32, 0, len(nodes)+1)
	for _, n := range nodes {
		ix.outAt = append(ix.outAt, int32(len(ix.out)))
		ix.out = append(ix.out, n.out...)
	}
	ix.outAt = append(ix.outAt, int32(len(ix.out)))
	for b, c := range ix.class {
		ix.starts[b] = ix.next[c] != 0
	}
	for i, n := range ix.next {
		ix.next[i] = n * int32(ix.width)
		if len(nodes[n].out) > 0 {
			ix.next[i] = -ix.next[i]
		}
	}
	return ix
}

// startsAt reports whether a pattern may start at s[i].
func (ix *brandIndex) startsAt(s string, i int) bool {
	if !ix.starts[s[i]] {
		return false
	}
	if i+1 == len(s) {
		return true
	}
	next := s[i+1]
	return ix.pairs[s[i]][next/64]&(1<<(next%64)) != 0
}

// scan appends every occurrence of every pattern in s, ordered by end.
func (ix *brandIndex) scan(s string, hits []brandHit) []brandHit {
	var row int32
	for i := 0; i < len(s); i++ {
		if row == 0 {
			// Most bytes start no pattern: pass them without the
			// dependent table walk.
			for i < len(s) && !ix.startsAt(s, i) {
				i++
			}
			if i == len(s) {
				break
			}
		}
		if row = ix.next[row+int32(ix.class[s[i]])]; row < 0 {
			row = -row
			n := row / int32(ix.width)
			for _, ref := range ix.out[ix.outAt[n]:ix.outAt[n+1]] {
				end := int32(i + 1)
				hits = append(hits, brandHit{patternRef: ref, start: end - ref.length, end: end})
			}
		}
	}
	return hits
}
