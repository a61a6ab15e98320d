package web

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/store"
)

// The journey flow's elements as list filters, for drilling down from the
// Sankey chart to the mentions behind it:
//
//	node=STEP:STAGE             authors whose STEP-th stage (1-based, repeats
//	                            collapsed) is STAGE: their mentions at STAGE
//	transition=STEP:FROM:TO     authors whose STEP-th stage is FROM and next
//	                            TO: their mentions at FROM and TO
//
// The authors are those of the flow (handleTransitions) under the same
// filters, so the list names as many authors as the element's count. Like
// the flow, the stages are the classifier's.

// flowStep is one parsed node or transition filter.
type flowStep struct {
	step   int
	stages []string // the node's stage, or a transition's from and to
}

// parseFlowStep reads node= or transition= (at most one of them); ok is
// false without either.
func parseFlowStep(q url.Values) (fs flowStep, ok bool, err error) {
	node, trans := q.Get("node"), q.Get("transition")
	key, v, want := "node", node, 2
	switch {
	case node != "" && trans != "":
		return fs, false, badf("node and transition: give one of them")
	case node == "" && trans == "":
		return fs, false, nil
	case trans != "":
		key, v, want = "transition", trans, 3
	}
	parts := strings.Split(v, ":")
	if len(parts) != want {
		return fs, false, badf("%s: want %s", key, map[int]string{2: "STEP:STAGE such as 1:consideration", 3: "STEP:FROM:TO such as 1:consideration:purchase"}[want])
	}
	if fs.step, err = strconv.Atoi(parts[0]); err != nil || fs.step < 1 || fs.step > maxSteps+1 || (want == 3 && fs.step > maxSteps) {
		return fs, false, badf("%s: the step must be a number in 1..%d", key, maxSteps+want-2)
	}
	for _, st := range parts[1:] {
		if st == "none" || !slices.Contains(mention.JourneyStages, st) {
			return fs, false, badf("%s: %q is not a journey stage of the flow", key, st)
		}
		fs.stages = append(fs.stages, st)
	}
	return fs, true, nil
}

// authorPaths returns a query of the authors of f with at least two
// stages and their paths: the stage codes (store.StageCodes) of their
// rows in time order, repeats collapsed, the first maxSteps+1.
func (s *Server) authorPaths(ctx context.Context, f Filter) (string, error) {
	src, err := s.authorRows(ctx, f, "stages")
	if err != nil {
		return "", err
	}
	// An author's days' first stages, concatenated in order (a code's place
	// is its day, then its position in the day), with repeats collapsed
	// again across days, are the first stages of the author's whole
	// sequence: each day keeps more than the flow shows. (The day enters the
	// lambda as an array: 18.16 loses columns only a lambda captures.)
	seq := "arrayMap(x -> toUInt8(x % 256), arraySort(groupArrayArray(arrayMap((c, i, d) -> (d * 256 + i) * 256 + c," +
		" stages, arrayEnumerate(stages), arrayResize(emptyArrayUInt64(), length(stages), toUInt64(toUInt32(day)))))))"
	return "SELECT author, path FROM (SELECT author, " + store.CollapsedStages("seq", maxSteps+1) + " AS path FROM (SELECT author, " + seq +
		" AS seq FROM (" + src + ") GROUP BY author)) WHERE length(path) > 1", nil
}

// flowFilter narrows f to the mentions of a node or transition of the
// journey flow (q's node= or transition=), if q names one.
func (s *Server) flowFilter(ctx context.Context, q url.Values, f Filter) (Filter, error) {
	fs, ok, err := parseFlowStep(q)
	if err != nil || !ok {
		return f, err
	}
	paths, err := s.authorPaths(ctx, f)
	if err != nil {
		return f, err
	}
	var at []string
	for i, st := range fs.stages {
		at = append(at, "path["+strconv.Itoa(fs.step+i)+"] = "+strconv.Itoa(slices.Index(mention.JourneyStages, st)+1))
	}
	f.Search += " AND cityHash64(author_handle) IN (SELECT author FROM (" + paths + ") WHERE " + strings.Join(at, " AND ") + ")" +
		" AND journey_stage IN " + store.QuoteList(fs.stages)
	return f, nil
}
