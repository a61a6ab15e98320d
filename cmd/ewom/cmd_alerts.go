package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ewom/ewom/internal/alert"
)

func init() {
	register("alerts", "negative-spike alerting tools: backtest", runAlerts)
}

func runAlerts(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 || args[0] != "backtest" {
		return usagef("usage: ewom alerts backtest --config FILE --from T --to T")
	}
	fs := newFlagSet(env, "alerts backtest")
	cfgPath := fs.String("config", "", "config file")
	fromS := fs.String("from", "", "start of the replay (RFC 3339)")
	toS := fs.String("to", "", "end of the replay (RFC 3339, default now)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	from, err := time.Parse(time.RFC3339, *fromS)
	if err != nil {
		return usagef("--from: %q is not an RFC 3339 time", *fromS)
	}
	to := time.Now().UTC()
	if *toS != "" {
		if to, err = time.Parse(time.RFC3339, *toS); err != nil {
			return usagef("--to: %q is not an RFC 3339 time", *toS)
		}
	}
	if !to.After(from) {
		return usagef("--to must be after --from")
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	ns := cfg.Alerts.NegativeSpike
	var brands []string
	for _, b := range cfg.Brands {
		brands = append(brands, b.Name)
	}
	series, err := alert.LoadSeries(ctx, st, brands, ns.Segments, from.Add(-alert.HistoryNeeded(ns)), to)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(env.stdout)
	summary := struct {
		From, To   time.Time
		Alerts     int            `json:"alerts"`
		Resolved   int            `json:"resolved"`
		ByBrand    map[string]int `json:"by_brand"`
		BySeverity map[string]int `json:"by_severity"`
	}{From: from, To: to, ByBrand: map[string]int{}, BySeverity: map[string]int{}}
	var werr error
	alert.Backtest(alert.NewDetector(ns), alert.NewEngine(ns), series, from, to, ns.Interval, func(ev alert.Event) {
		if ev.Type == alert.EventFiring {
			if x, err := alert.Explain(ctx, st, &ev.Alert); err == nil {
				ev.Alert.Explanation = x
			}
			summary.Alerts++
			summary.ByBrand[ev.Alert.Brand]++
			summary.BySeverity[ev.Alert.Severity]++
		}
		if ev.Type == alert.EventResolved {
			summary.Resolved++
		}
		if err := enc.Encode(struct {
			Event string      `json:"event"`
			Alert alert.Alert `json:"alert"`
		}{ev.Type, ev.Alert}); err != nil && werr == nil {
			werr = err
		}
	})
	if werr != nil {
		return fmt.Errorf("write: %w", werr)
	}
	fmt.Fprintf(env.stderr, "backtest %s – %s: %d alerts (%d resolved) by brand %v by severity %v\n",
		from.Format(time.RFC3339), to.Format(time.RFC3339), summary.Alerts, summary.Resolved, summary.ByBrand, summary.BySeverity)
	return enc.Encode(map[string]any{"summary": summary})
}
