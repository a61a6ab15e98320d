package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/store/storetest"
)

// TestTimeseriesGranularity checks the series' intervals, their cap, the
// smoothed net sentiment and the comparison periods against the summary
// of the same filters, on both engines.
func TestTimeseriesGranularity(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			seed(t, e.Store, 300)
			c := login(t, newTestServer(t, e.Store).URL, "viewer", "viewer-pass")
			week := url.Values{"brand": {"TietokoneKoijarit"}, "from": {weekStart.Add(-24 * time.Hour).Format(time.RFC3339)},
				"to": {weekEnd.Format(time.RFC3339)}}
			var sum Summary
			c.getJSON("/api/v1/summary?"+week.Encode(), &sum)
			if sum.Current.Mentions == 0 {
				t.Fatal("no mentions in the week")
			}
			for iv, step := range map[string]time.Duration{"1h": time.Hour, "1d": 24 * time.Hour, "1w": 7 * 24 * time.Hour, "5m": 5 * time.Minute} {
				var ts Timeseries
				c.getJSON("/api/v1/timeseries?interval="+iv+"&"+week.Encode(), &ts)
				var n, neg int64
				for i, p := range ts.Points {
					n, neg = n+p.Mentions, neg+p.Negative
					if !p.T.Equal(p.T.Truncate(step)) || (i > 0 && p.T.Sub(ts.Points[i-1].T) != step) {
						t.Errorf("%s: point %d at %s", iv, i, p.T)
					}
					if iv == "1w" && p.T.Weekday() != time.Monday {
						t.Errorf("1w: week starts on %s", p.T.Weekday())
					}
				}
				if ts.Interval != iv || n != sum.Current.Mentions || neg != sum.Current.Negative {
					t.Errorf("%s: %d mentions, %d negative in %d points; the summary has %d, %d", iv, n, neg, len(ts.Points), sum.Current.Mentions, sum.Current.Negative)
				}
			}
			// Five-minute buckets over a year are refused with the reason.
			body := c.text("GET", "/api/v1/timeseries?interval=5m&range=365d", nil, http.StatusBadRequest)
			if !strings.Contains(body, "105120 points") || !strings.Contains(body, "limit of 10000") {
				t.Errorf("5m over a year: %s", body)
			}
			for _, bad := range []string{"interval=2m", "smooth=0", "smooth=x", "compare=lastweek"} {
				c.text("GET", "/api/v1/timeseries?"+bad, nil, http.StatusBadRequest)
			}
			c.text("GET", "/api/v1/summary?compare=lastweek", nil, http.StatusBadRequest)

			// Smoothing: net sentiment of the bucket and the two before it.
			var ts Timeseries
			c.getJSON("/api/v1/timeseries?interval=1h&smooth=3&"+week.Encode(), &ts)
			if ts.Smooth != 3 {
				t.Errorf("smooth %d", ts.Smooth)
			}
			smoothed := 0
			for i, p := range ts.Points {
				var pos, neg, all int64
				for _, q := range ts.Points[max(0, i-2) : i+1] {
					pos, neg, all = pos+q.Positive, neg+q.Negative, all+q.Mentions
				}
				switch {
				case all == 0 && p.NetSmoothed != nil:
					t.Errorf("point %d: smoothed %v over no mentions", i, *p.NetSmoothed)
				case all > 0 && (p.NetSmoothed == nil || *p.NetSmoothed != netSentiment(pos, neg, all)):
					t.Errorf("point %d: smoothed %v, want %v", i, p.NetSmoothed, netSentiment(pos, neg, all))
				case all > 0:
					smoothed++
				}
			}
			if smoothed == 0 {
				t.Error("nothing smoothed")
			}

			// Comparison periods: the previous one (the week's first day
			// is in it) and the same dates a year before (empty).
			day := url.Values{"brand": {"TietokoneKoijarit"}, "from": {weekStart.Add(24 * time.Hour).Format(time.RFC3339)},
				"to": {weekStart.Add(48 * time.Hour).Format(time.RFC3339)}}
			for _, cmp := range []string{"previous", "year"} {
				var s Summary
				c.getJSON("/api/v1/summary?compare="+cmp+"&"+day.Encode(), &s)
				c.getJSON("/api/v1/timeseries?compare="+cmp+"&"+day.Encode(), &ts)
				var first Summary
				c.getJSON("/api/v1/summary?brand=TietokoneKoijarit&from="+s.PreviousFrom.Format(time.RFC3339)+"&to="+s.PreviousTo.Format(time.RFC3339), &first)
				var n int64
				for _, p := range ts.Previous {
					n += p.Mentions
				}
				wantFrom := map[string]time.Time{"previous": weekStart, "year": weekStart.AddDate(-1, 0, 1)}[cmp]
				if !s.PreviousFrom.Equal(wantFrom) || ts.PreviousFrom == nil || !ts.PreviousFrom.Equal(wantFrom) ||
					len(ts.Previous) != len(ts.Points) || n != s.Previous.Mentions || s.Previous != first.Current {
					t.Errorf("compare=%s: from %s (want %s), %d of %d points, series %d, summary %+v, that period alone %+v",
						cmp, s.PreviousFrom, wantFrom, len(ts.Previous), len(ts.Points), n, s.Previous, first.Current)
				}
				if (cmp == "previous") != (s.Previous.Mentions > 0) {
					t.Errorf("compare=%s: %d mentions before", cmp, s.Previous.Mentions)
				}
			}
		})
	}
}
