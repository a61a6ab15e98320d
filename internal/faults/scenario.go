package faults

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Scenario is a fault injected while a run's mentions are imported.
type Scenario struct {
	Name string
	// Inject causes the fault and ends it (starts again what it stopped),
	// returning an account of what it did.
	Inject func(ctx context.Context, topo *Topology) (string, error)
}

// Scenarios are the suite's faults, in the order it runs them.
var Scenarios = []Scenario{
	{"classifier-kill", killClassifiers(1)},
	{"classifiers-kill", killClassifiers(2)},
	{"leader-kill", killStreamLeader},
	{"api-kill", killAPI},
	{"clickhouse-down", clickHouseDown(30 * time.Second)},
}

// downFor is how long a killed process stays down before it is started
// again, as a supervisor would.
const downFor = 5 * time.Second

// killClassifiers kills the first n classify processes with SIGKILL and
// starts them again.
func killClassifiers(n int) func(context.Context, *Topology) (string, error) {
	return func(ctx context.Context, topo *Topology) (string, error) {
		if n > len(topo.Classifiers) {
			return "", fmt.Errorf("%d classify processes to kill, %d running", n, len(topo.Classifiers))
		}
		var names []string
		for _, r := range topo.Classifiers[:n] {
			r.Kill()
			names = append(names, r.Name)
		}
		if err := sleep(ctx, downFor); err != nil {
			return "", err
		}
		begin := time.Now()
		for _, r := range topo.Classifiers[:n] {
			if err := topo.startRole(r); err != nil {
				return "", err
			}
		}
		return fmt.Sprintf("kill -9 %s; started again after %s (up in %s)", strings.Join(names, ", "), downFor,
			time.Since(begin).Round(100*time.Millisecond)), nil
	}
}

// killStreamLeader kills the nats-server leading the mention stream's
// replicas, waits for another to lead, and starts the killed one again.
func killStreamLeader(ctx context.Context, topo *Topology) (string, error) {
	leader, err := topo.NATS.StreamLeader(ctx, topo.Stream)
	if err != nil {
		return "", err
	}
	killed := time.Now()
	topo.NATS.Kill(leader)
	next := -1
	err = poll(2*time.Minute, func() error {
		i, err := topo.NATS.StreamLeader(ctx, topo.Stream)
		if err != nil {
			return err
		}
		if i == leader {
			return fmt.Errorf("still led by the killed %s", topo.NATS.Name(leader))
		}
		next = i
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("no new stream leader: %w", err)
	}
	elected := time.Since(killed)
	if err := sleep(ctx, time.Until(killed.Add(2*downFor))); err != nil {
		return "", err
	}
	if err := topo.NATS.Restart(leader); err != nil {
		return "", err
	}
	return fmt.Sprintf("kill -9 nats %s, the stream leader; %s led after %s; %s started again after %s",
		topo.NATS.Name(leader), topo.NATS.Name(next), elected.Round(100*time.Millisecond), topo.NATS.Name(leader),
		time.Since(killed).Round(100*time.Millisecond)), nil
}

// killAPI kills the api process and starts it again at once.
func killAPI(ctx context.Context, topo *Topology) (string, error) {
	killed := time.Now()
	topo.API.Kill()
	if err := topo.startRole(topo.API); err != nil {
		return "", err
	}
	return fmt.Sprintf("kill -9 api; serving again after %s", time.Since(killed).Round(100*time.Millisecond)), nil
}

// clickHouseDown stops the ClickHouse server (a graceful stop), keeps it
// down for d and starts it again.
func clickHouseDown(d time.Duration) func(context.Context, *Topology) (string, error) {
	return func(ctx context.Context, topo *Topology) (string, error) {
		begin := time.Now()
		topo.ClickHouse.Stop()
		stopped := time.Since(begin)
		if err := sleep(ctx, d); err != nil {
			return "", err
		}
		begin = time.Now()
		if err := topo.ClickHouse.Start(); err != nil {
			return "", fmt.Errorf("start ClickHouse again: %w", err)
		}
		return fmt.Sprintf("ClickHouse stopped (took %s), down %s, serving again after %s", stopped.Round(100*time.Millisecond),
			d, time.Since(begin).Round(100*time.Millisecond)), nil
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// RunOptions size one scenario run.
type RunOptions struct {
	Mentions Mentions
	N        int
	Chunk    int
	Senders  int
	// Timeout bounds one ingest request (the client gives up then).
	Timeout time.Duration
	// DuringRate is the mentions a second sent while the fault lasts.
	DuringRate float64
	// Stall bounds how long the wait for the bus to drain (and, in Bench,
	// for the store to hold every mention) goes on without progress.
	Stall time.Duration
}

// Report is the outcome of one scenario run.
type Report struct {
	Scenario string
	Fault    string
	Load     LoadStats
	// Drained is when the bus was empty, from the start of the import.
	Drained time.Duration
	Check   Check
	// Warnings counts WARN and ERROR lines the ewom processes logged
	// during the run, by process; Excerpts holds the first few.
	Warnings map[string]int
	Excerpts []string
	Problems []string
}

// OK is true when the run was exact and every request was answered.
func (r Report) OK() bool { return len(r.Problems) == 0 }

var (
	warnLine  = regexp.MustCompile(`level=(WARN|ERROR)`)
	errorLine = regexp.MustCompile(`level=ERROR`)
)

// Run imports o.N mentions through the api with the scenario's fault in
// the middle: a third of them as fast as the api takes them, then the
// fault is injected, a third is sent at o.DuringRate while the fault lasts
// and the rest once it is over. Then it waits for the bus to drain and
// checks the store.
func (topo *Topology) Run(ctx context.Context, sc Scenario, o RunOptions) Report {
	r := Report{Scenario: sc.Name, Warnings: map[string]int{}}
	problem := func(format string, args ...any) { r.Problems = append(r.Problems, fmt.Sprintf(format, args...)) }
	if err := topo.Healthy(ctx); err != nil {
		problem("topology not healthy before the run: %v", err)
		return r
	}
	marks := map[*Role]int64{}
	for _, role := range topo.roles() {
		marks[role] = role.proc.logSize()
	}
	var fault sync.WaitGroup
	var faultErr error
	pacer := &faultPacer{third: o.N / 3, interval: time.Duration(float64(o.Chunk) / o.DuringRate * float64(time.Second)),
		done: make(chan struct{})}
	pacer.inject = func() {
		fault.Go(func() {
			defer close(pacer.done)
			r.Fault, faultErr = sc.Inject(ctx, topo)
		})
	}
	load := Load{Mentions: o.Mentions, N: o.N, Chunk: o.Chunk, Senders: o.Senders, Timeout: o.Timeout, Stall: o.Stall,
		API: topo.API.URL, Token: topo.Token, Pace: pacer.pace}
	begin := time.Now()
	var err error
	r.Load, err = load.Run(ctx)
	if err != nil {
		// As an operator would: restart the api and import again; what was
		// taken already comes back as duplicates.
		problem("import: %v; the api was restarted and every mention sent again", err)
		fault.Wait()
		if err := topo.restart(topo.API); err != nil {
			problem("%v", err)
		}
		load.Pace = nil
		again, err := load.Run(ctx)
		r.Load = r.Load.add(again)
		if err != nil {
			problem("import after the restart: %v", err)
		}
	}
	fault.Wait()
	if faultErr != nil {
		problem("fault: %v", faultErr)
	}
	if err := topo.Drain(ctx, o.Stall); err != nil {
		problem("bus not drained: %v; the classify processes were restarted", err)
		// As an operator would: then the check says whether anything was
		// lost.
		if err := topo.restart(topo.Classifiers...); err != nil {
			problem("%v", err)
		} else if err := topo.Drain(ctx, o.Stall); err != nil {
			problem("bus not drained after the restart either: %v", err)
		}
	}
	r.Drained = time.Since(begin)
	if err := topo.restartCrashed(); err != nil {
		problem("%v", err)
	}
	for _, e := range topo.takeEvents() {
		problem("%s", e)
	}
	for _, role := range topo.roles() {
		if err := poll(30*time.Second, func() error { return role.Ready(ctx) }); err != nil {
			problem("not ready after the run: %v", err)
		}
	}
	if r.Load.Unanswered > 0 {
		problem("%d requests without an answer within %s", r.Load.Unanswered, o.Timeout)
	}
	if r.Check, err = topo.Check(ctx, o.Mentions.Source, o.N); err != nil {
		problem("check: %v", err)
	} else {
		r.Problems = append(r.Problems, r.Check.Problems()...)
	}
	topo.scanLogs(marks, &r)
	if !r.OK() {
		// The next run starts on fresh ewom processes, not on ones this
		// run's fault may have left broken.
		if err := topo.restart(topo.roles()...); err != nil {
			problem("%v", err)
		}
	}
	return r
}

// scanLogs counts the WARN and ERROR lines each ewom process logged since
// its mark, keeping a few, and makes each process's ERROR lines a problem:
// every fault here is one the service is built to survive, so it may warn,
// but an error means a part of it gave up.
func (topo *Topology) scanLogs(marks map[*Role]int64, r *Report) {
	for _, role := range topo.roles() {
		lines := role.proc.logSince(marks[role], warnLine)
		if len(lines) == 0 {
			continue
		}
		r.Warnings[role.Name] = len(lines)
		for _, l := range lines[:min(len(lines), 3)] {
			r.Excerpts = append(r.Excerpts, role.Name+": "+truncate(l, 300))
		}
		var errs []string
		for _, l := range lines {
			if errorLine.MatchString(l) {
				errs = append(errs, l)
			}
		}
		if len(errs) > 0 {
			r.Problems = append(r.Problems, fmt.Sprintf("%s logged %d errors, the first: %s", role.Name, len(errs), truncate(errs[0], 300)))
		}
	}
}

// faultPacer holds an import back around its fault: the first third of
// the mentions goes at once, the fault is injected when the second third
// begins, which then goes one chunk an interval while the fault lasts; the
// rest waits until the fault is over.
type faultPacer struct {
	third    int
	interval time.Duration
	inject   func() // starts the fault, which closes done when it is over
	done     chan struct{}
	once     sync.Once
	next     time.Time
}

// pace is Load.Pace.
func (p *faultPacer) pace(ctx context.Context, from int) error {
	if from < p.third {
		return nil
	}
	p.once.Do(func() {
		p.next = time.Now()
		p.inject()
	})
	var slot <-chan time.Time
	if from < 2*p.third {
		slot = time.After(time.Until(p.next))
		p.next = p.next.Add(p.interval)
	}
	select {
	case <-p.done:
	case <-slot:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// String is the report as the suite prints it.
func (r Report) String() string {
	var b strings.Builder
	verdict := "exact"
	if !r.OK() {
		verdict = "FAILED"
	}
	l := r.Load
	fmt.Fprintf(&b, "%s: %s\n", r.Scenario, verdict)
	fmt.Fprintf(&b, "  fault:    %s\n", r.Fault)
	fmt.Fprintf(&b, "  import:   %d mentions in %s; %d requests: %d ok, %d answered 503, %d other 5xx, %d refused or cut off, %d unanswered; slowest answer %s\n",
		r.Check.Sent, l.Elapsed.Round(100*time.Millisecond), l.Requests, l.OK, l.Unavailable, l.OtherStatus, l.ConnErrors,
		l.Unanswered, l.MaxLatency.Round(10*time.Millisecond))
	fmt.Fprintf(&b, "  store:    %s; bus drained %s after the import began (%.0f mentions/s)\n",
		r.Check.Summary(), r.Drained.Round(100*time.Millisecond), float64(r.Check.Sent)/r.Drained.Seconds())
	if len(r.Warnings) > 0 {
		fmt.Fprintf(&b, "  logs:     WARN/ERROR lines %v\n", r.Warnings)
		for _, e := range r.Excerpts {
			fmt.Fprintf(&b, "            %s\n", e)
		}
	}
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "  problem:  %s\n", p)
	}
	return b.String()
}
