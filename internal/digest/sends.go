package digest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/ewom/ewom/internal/store"
)

// The states of a round in digest_sends.
const (
	stateClaimed = "claimed"
	stateSent    = "sent"
	stateFailed  = "failed"
)

// sendRow is one row of digest_sends.
type sendRow struct {
	Round uint32
	State string
	Claim string
	At    int64 // the server's clock at insert, Unix seconds
	Now   int64 // the server's clock at the read
}

func (r *sendRow) UnmarshalJSON(b []byte) error {
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	n := func(k string) int64 {
		switch v := raw[k].(type) {
		case float64:
			return int64(v)
		case string:
			x, _ := strconv.ParseInt(v, 10, 64)
			return x
		}
		return 0
	}
	r.Round, r.At, r.Now = uint32(n("round")), n("at"), n("now")
	r.State, _ = raw["state"].(string)
	r.Claim, _ = raw["claim"].(string)
	return nil
}

// ledger records digest deliveries in ClickHouse so that each period is
// sent once across restarts and processes.
type ledger struct {
	st store.Store
}

func (l ledger) rows(ctx context.Context, digest string, p Period) ([]sendRow, error) {
	raw, err := l.st.Query(ctx, "SELECT round, state, claim, toUnixTimestamp(at) AS at, toUnixTimestamp(now()) AS now FROM "+
		l.st.Table("digest_sends")+" WHERE digest = "+store.Quote(digest)+" AND period_start = "+store.Time(p.Start)+
		" ORDER BY round, at, claim")
	if err != nil {
		return nil, fmt.Errorf("read digest_sends: %w", err)
	}
	out := make([]sendRow, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &out[i]); err != nil {
			return nil, fmt.Errorf("read digest_sends: %w", err)
		}
	}
	return out, nil
}

// record inserts a row stamped with the server's clock.
func (l ledger) record(ctx context.Context, digest string, p Period, round uint32, state, claim string, recipients int, detail string) error {
	err := l.st.Exec(ctx, "INSERT INTO "+l.st.Table("digest_sends")+
		" (digest, period_start, period_end, round, state, claim, recipients, detail, at) SELECT "+
		store.Quote(digest)+", "+store.Time(p.Start)+", "+store.Time(p.End)+", "+strconv.FormatUint(uint64(round), 10)+", "+
		store.Quote(state)+", "+store.Quote(claim)+", "+strconv.Itoa(recipients)+", "+store.Quote(truncate(detail, 500))+", now()")
	if err != nil {
		return fmt.Errorf("record digest %s %s: %w", digest, state, err)
	}
	return nil
}

// verdict is what the ledger says to do about a period.
type verdict struct {
	done  bool   // sent, or given up
	wait  bool   // another process holds a live claim, or a failed round's backoff runs
	round uint32 // the round to claim otherwise
}

// decide reads a period's rows: a sent round ends it; a live claim (younger
// than lease, without outcome) or a failed round still in its backoff
// (base·2^(round−1)) means waiting; after maxRounds failed rounds the period
// is given up; otherwise the next round may be claimed.
func decide(rows []sendRow, lease, base time.Duration, maxRounds int) verdict {
	if len(rows) == 0 {
		return verdict{round: 1}
	}
	now := rows[0].Now
	var last uint32
	winner := map[uint32]string{}
	outcome := map[uint32]sendRow{}
	claimedAt := map[uint32]int64{}
	for _, r := range rows {
		last = max(last, r.Round)
		switch r.State {
		case stateSent:
			return verdict{done: true}
		case stateClaimed:
			if _, ok := winner[r.Round]; !ok { // rows are ordered by round, at, claim
				winner[r.Round], claimedAt[r.Round] = r.Claim, r.At
			}
		case stateFailed:
			outcome[r.Round] = r
		}
	}
	if f, failed := outcome[last]; failed {
		if int(last) > maxRounds {
			return verdict{done: true}
		}
		backoff := base << (last - 1)
		if now < f.At+int64(backoff/time.Second) {
			return verdict{wait: true}
		}
		return verdict{round: last + 1}
	}
	if now < claimedAt[last]+int64(lease/time.Second) {
		return verdict{wait: true}
	}
	return verdict{round: last + 1} // the claimant died without an outcome
}

// won reports whether claim is the earliest claim of its round.
func won(rows []sendRow, round uint32, claim string) bool {
	for _, r := range rows {
		if r.Round == round && r.State == stateClaimed {
			return r.Claim == claim
		}
	}
	return false
}

func newClaim(owner string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return owner + "-" + hex.EncodeToString(b)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
