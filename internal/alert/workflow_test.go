package alert_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ewom/ewom/internal/alert"
	"github.com/ewom/ewom/internal/api"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/proctest"
	"github.com/ewom/ewom/internal/store/storetest"
)

// actor serves a service's routes as the user the X-Test-User header names,
// as the dashboards' sessions do (internal/web records the signed-in user).
func actor(s *alert.Service) http.Handler {
	m := http.NewServeMux()
	s.Register(m, func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			h(w, r.WithContext(api.WithUser(r.Context(), r.Header.Get("X-Test-User"))))
		}
	})
	return m
}

// gather renders a registry's ewom_alert_actions_total lines.
func gather(t *testing.T, reg *prometheus.Registry) string {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for _, mf := range mfs {
		if mf.GetName() != "ewom_alert_actions_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := make([]string, 0, 2)
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"=\""+l.GetValue()+"\"")
			}
			fmt.Fprintf(&sb, "{%s} %g\n", strings.Join(labels, ","), m.GetCounter().GetValue())
		}
	}
	return sb.String()
}

// post sends an action as user and returns the status and the decoded body.
func post(t testing.TB, base, id, user, body string) (int, alert.AlertAnswer, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/api/v1/alerts/"+id+"/actions", strings.NewReader(body))
	req.Header.Set("X-Test-User", user)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var ans alert.AlertAnswer
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(bytes.NewReader(raw)).Decode(&ans); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode, ans, string(raw)
}

// TestAlertWorkflow: on both engines a real alert (the delivery wave) is
// acknowledged, assigned, commented, snoozed and resolved by hand through
// the API of one service while another evaluates, as in a split
// deployment. Each action is stored with who and when, bad requests are
// refused with the reason, the webhook hears of the acknowledgement and the
// resolution with who did them, and the evaluator lets the resolved alert
// go without firing it again or sending a second resolution.
func TestAlertWorkflow(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			seedStore(t, e.Store)
			hook, cfg := hooked(t, 0)
			var now time.Time
			log := proctest.NewLog()
			reg := prometheus.NewRegistry()
			newService := func() *alert.Service {
				s, err := alert.New(alert.Deps{Store: e.Store, Config: cfg, Brands: []config.Brand{{Name: "Koijarit"}},
					Users: []string{"anna", "ben"}, Logger: log.Logger, Now: func() time.Time { return now }, Registerer: reg})
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			server, serverReg := newService(), reg
			reg = prometheus.NewRegistry() // the evaluator's own
			evaluator := newService()
			var fired *alert.Alert
			at := spikeStart.Add(-10 * time.Minute)
			for ; fired == nil && at.Before(spikeStart.Add(30*time.Minute)); at = at.Add(alert.Bucket) {
				evs, err := evaluator.Evaluate(ctx, at)
				if err != nil {
					t.Fatal(err)
				}
				for _, ev := range evs {
					if ev.Type == alert.EventFiring {
						fired = &ev.Alert
					}
				}
			}
			if fired == nil {
				t.Fatal("no alert for the delivery complaint wave")
			}
			now = at
			ts := httptest.NewServer(actor(server))
			defer ts.Close()
			id := fired.ID

			var list struct {
				Alerts    []alert.Alert
				Assignees []string
			}
			getJSON(t, ts.URL+"/api/v1/alerts", &list)
			if len(list.Alerts) != 1 || list.Alerts[0].Workflow == nil || len(list.Alerts[0].Workflow.History) != 0 ||
				list.Alerts[0].Explanation.Plain["fi"] == "" || strings.Join(list.Assignees, ",") != "anna,ben" {
				t.Fatalf("GET /api/v1/alerts before any action: %+v", list)
			}
			for lang, want := range map[string]string{"fi": "Negatiivisia mainintoja ", "en": " negative mentions in ", "sv": " negativa omnämnanden på "} {
				if got := list.Alerts[0].Explanation.Plain[lang]; !strings.Contains(got, want) {
					t.Errorf("plain %s: %q lacks %q", lang, got, want)
				}
			}

			// Refusals name what is wrong and store nothing.
			for _, c := range []struct {
				body string
				code int
				msg  string
			}{
				{`{"action":"shout"}`, 400, "action must be one of acknowledge, assign, comment, snooze, resolve"},
				{`{"action":"comment"}`, 400, "comment: required"},
				{`{"action":"comment","comment":"x","extra":1}`, 400, "unknown field"},
				{`{"action":"assign","assignee":"mallory"}`, 400, `is not a user (one of anna, ben, or empty`},
				{`{"action":"snooze"}`, 400, "snooze: give for"},
				{`{"action":"snooze","for":"-1h"}`, 400, "for: want a positive duration"},
				{`{"action":"snooze","for":"800h"}`, 400, "at most 720h0m0s away"},
				{`{"action":"comment","comment":"` + strings.Repeat("ä", 2001) + `"}`, 400, "comment: 2001 characters, at most 2000"},
			} {
				if code, _, msg := post(t, ts.URL, id, "anna", c.body); code != c.code || !strings.Contains(msg, c.msg) {
					t.Errorf("%s: %d %s; want %d naming %q", c.body, code, msg, c.code, c.msg)
				}
			}
			if code, _, _ := post(t, ts.URL, "no-such-alert", "anna", `{"action":"acknowledge"}`); code != 404 {
				t.Errorf("acting on an unknown alert: %d, want 404", code)
			}
			// Refusals are counted, an unknown action under "other".
			var metrics strings.Builder
			for _, l := range []string{`action="other",outcome="rejected"} 1`, `action="comment",outcome="rejected"} 3`,
				`action="acknowledge",outcome="rejected"} 1`} {
				if !strings.Contains(gather(t, serverReg), l) {
					metrics.WriteString(l + "\n")
				}
			}
			if metrics.Len() > 0 {
				t.Errorf("ewom_alert_actions_total lacks:\n%s%s", metrics.String(), gather(t, serverReg))
			}

			steps := []struct {
				user, body string
				check      func(a alert.Alert) bool
			}{
				{"anna", `{"action":"acknowledge","comment":"Katson tätä"}`, func(a alert.Alert) bool {
					return a.Workflow.AcknowledgedBy == "anna" && a.Workflow.AcknowledgedAt.Equal(now)
				}},
				{"anna", `{"action":"assign","assignee":"ben"}`, func(a alert.Alert) bool { return a.Workflow.Assignee == "ben" }},
				{"ben", `{"action":"comment","comment":"Kuriirin varasto jumissa; asiakaspalvelu vastaa ketjuun."}`, func(a alert.Alert) bool {
					return a.Workflow.AcknowledgedBy == "anna" && a.Workflow.Assignee == "ben"
				}},
				{"ben", `{"action":"snooze","for":"4h"}`, func(a alert.Alert) bool {
					return a.Workflow.SnoozedUntil != nil && a.Workflow.SnoozedUntil.Equal(now.Add(4*time.Hour)) && a.State == alert.StateFiring
				}},
				{"ben", `{"action":"resolve","comment":"Varasto auki"}`, func(a alert.Alert) bool {
					return a.State == alert.StateResolved && a.Workflow.ResolvedBy == "ben" && a.ResolvedAt != nil && a.ResolvedAt.Equal(now)
				}},
			}
			for i, st := range steps {
				now = now.Add(time.Minute)
				code, ans, msg := post(t, ts.URL, id, st.user, st.body)
				if code != 200 || !st.check(ans.Alert) || len(ans.Alert.Workflow.History) != i+1 {
					t.Fatalf("%s by %s: %d %s", st.body, st.user, code, msg)
				}
				if strings.Contains(st.body, "acknowledge") || strings.Contains(st.body, "resolve") {
					if ans.Notified == nil || !*ans.Notified {
						t.Errorf("%s: notified %v", st.body, ans.Notified)
					}
				} else if ans.Notified != nil {
					t.Errorf("%s: notifiers told (%v); only acknowledgements and resolutions are sent", st.body, *ans.Notified)
				}
			}
			// Once resolved, the alert takes comments only.
			if code, _, msg := post(t, ts.URL, id, "anna", `{"action":"snooze","for":"1h"}`); code != 409 || !strings.Contains(msg, "resolved") {
				t.Errorf("snoozing a resolved alert: %d %s", code, msg)
			}
			if code, _, _ := post(t, ts.URL, id, "anna", `{"action":"comment","comment":"Kiitos"}`); code != 200 {
				t.Errorf("commenting a resolved alert: %d", code)
			}
			var one alert.AlertAnswer
			getJSON(t, ts.URL+"/api/v1/alerts/"+id, &one)
			var got []string
			for _, h := range one.Alert.Workflow.History {
				got = append(got, h.Actor+" "+h.Action+" "+h.At.Format("15:04")+" "+h.Assignee+" "+h.Comment)
			}
			start := at
			want := []string{
				"anna acknowledge " + start.Add(time.Minute).Format("15:04") + "  Katson tätä",
				"anna assign " + start.Add(2*time.Minute).Format("15:04") + " ben ",
				"ben comment " + start.Add(3*time.Minute).Format("15:04") + "  Kuriirin varasto jumissa; asiakaspalvelu vastaa ketjuun.",
				"ben snooze " + start.Add(4*time.Minute).Format("15:04") + "  ",
				"ben resolve " + start.Add(5*time.Minute).Format("15:04") + "  Varasto auki",
				"anna comment " + start.Add(5*time.Minute).Format("15:04") + "  Kiitos",
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("history:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			getJSON(t, ts.URL+"/api/v1/alerts", &list)
			if len(list.Alerts) != 0 {
				t.Errorf("a resolved alert is listed as firing: %+v", list.Alerts)
			}
			// The webhook heard the acknowledgement and the resolution, with who.
			hook.mu.Lock()
			var events []string
			for _, b := range hook.bodies {
				who := ""
				if b.By != nil {
					who = b.By.Actor + ":" + b.By.Comment
				}
				events = append(events, b.Event+" "+who)
			}
			hook.mu.Unlock()
			if strings.Join(events, ", ") != "firing , acknowledged anna:Katson tätä, resolved ben:Varasto auki" {
				t.Errorf("webhook deliveries: %s", strings.Join(events, ", "))
			}
			// The other process's evaluator lets the alert go while the wave
			// is still on: no new alert within the cooldown, no second
			// resolution, and the row stays resolved.
			for ; at.Before(spikeStart.Add(45 * time.Minute)); at = at.Add(alert.Bucket) {
				evs, err := evaluator.Evaluate(ctx, at)
				if err != nil {
					t.Fatal(err)
				}
				if len(evs) > 0 {
					t.Errorf("evaluation at %s after the resolution: events %+v", at, evs)
				}
			}
			if !strings.Contains(log.String(), `msg="alert resolved by hand" alert=`+id) {
				t.Errorf("the evaluator did not log the resolution:\n%s", log)
			}
			getJSON(t, ts.URL+"/api/v1/alerts?state=resolved", &list)
			if len(list.Alerts) != 1 || list.Alerts[0].ID != id || list.Alerts[0].Workflow.ResolvedBy != "ben" {
				t.Errorf("resolved alerts: %+v", list.Alerts)
			}
			if n := hook.count(); n != 3 {
				t.Errorf("%d webhook deliveries, want 3", n)
			}
		})
	}
}

// TestPlainExplanations: the example of issue #17 in each language, and
// the wording of other windows, counts and segments.
func TestPlainExplanations(t *testing.T) {
	for _, c := range []struct {
		alert alert.Alert
		want  map[string]string
	}{
		{alert.Alert{Window: "15m0s", Observed: 16, Expected: 0.2, SegmentKind: "all", Share: 0.6, ExpectedShare: 0.2,
			Explanation: &alert.Explanation{TopTerms: []alert.NameCount{{Name: "toimitus", Count: 9}},
				Phrases: []alert.NameCount{{Name: "toimitus myöhässä", Count: 9}, {Name: "asiakaspalvelu ei vastaa", Count: 5}}}},
			map[string]string{
				"fi": "Negatiivisia mainintoja 16 vartissa, tavallisesti alle 1. Negatiivisten osuus 60 %, tavallisesti 20 %. Eniten: toimitus myöhässä, asiakaspalvelu ei vastaa.",
				"en": "16 negative mentions in 15 minutes, usually under 1. Negative share 60%, usually 20%. Most mentioned: toimitus myöhässä, asiakaspalvelu ei vastaa.",
				"sv": "16 negativa omnämnanden på en kvart, vanligtvis under 1. Andelen negativa 60 %, vanligtvis 20 %. Mest omtalat: toimitus myöhässä, asiakaspalvelu ei vastaa.",
				"de": "",
			}},
		{alert.Alert{Window: "1h0m0s", Observed: 1, Expected: 3.4, SegmentKind: "journey_stage", SegmentValue: "delivery",
			Explanation: &alert.Explanation{TopTerms: []alert.NameCount{{Name: "kuriiri", Count: 1}}}},
			map[string]string{
				"fi": "Negatiivisia mainintoja 1 tunnissa, tavallisesti noin 3. Asiakaspolun vaihe: toimitus. Eniten: kuriiri.",
				"en": "1 negative mention in an hour, usually about 3. Journey stage: delivery. Most mentioned: kuriiri.",
				"sv": "1 negativt omnämnande på en timme, vanligtvis omkring 3. Kundresans fas: leverans. Mest omtalat: kuriiri.",
			}},
		{alert.Alert{Window: "24h0m0s", Observed: 40, Expected: 12, SegmentKind: "source", SegmentValue: "reddit"},
			map[string]string{
				"fi": "Negatiivisia mainintoja 40 vuorokaudessa, tavallisesti noin 12. Lähde: reddit.",
				"en": "40 negative mentions in 24 hours, usually about 12. Source: reddit.",
				"sv": "40 negativa omnämnanden på ett dygn, vanligtvis omkring 12. Källa: reddit.",
			}},
		{alert.Alert{Window: "2h0m0s", Observed: 7, Expected: 2, SegmentKind: "touchpoint", SegmentValue: "earned"},
			map[string]string{
				"fi": "Negatiivisia mainintoja 7 viimeisen 2 tunnin aikana, tavallisesti noin 2. Kosketuspiste: ansaittu media.",
				"en": "7 negative mentions in 2 hours, usually about 2. Touchpoint: earned media.",
				"sv": "7 negativa omnämnanden på 2 timmar, vanligtvis omkring 2. Kontaktpunkt: förtjänad media.",
			}},
	} {
		for lang, want := range c.want {
			if got := alert.Plain(&c.alert, lang); got != want {
				t.Errorf("%s %s:\n got %q\nwant %q", c.alert.Window, lang, got, want)
			}
		}
	}
}
