package web

import (
	"context"
	"net/url"
	"time"

	"github.com/ewom/ewom/internal/digest"
)

// Emerging gives the digests their emerging topics (digest.TopicSource):
// the terms of brands' mentions in [from, to) that grew against their own
// baseline, as the Topics view finds them, each linked to its mentions.
func (s *Server) Emerging(ctx context.Context, brands []string, from, to time.Time, limit int) ([]digest.Topic, error) {
	x, err := s.topics(ctx, Filter{From: from, To: to, Brands: brands}, limit)
	if err != nil {
		return nil, err
	}
	out := make([]digest.Topic, 0, len(x.Emerging))
	for _, g := range x.Emerging {
		name := g.Form
		if name == "" {
			name = g.Term
		}
		q := url.Values{"term": {g.Term}, "range": {"custom"}, "from": {from.UTC().Format(time.RFC3339)}, "to": {to.UTC().Format(time.RFC3339)}}
		if len(brands) == 1 {
			q.Set("brand", brands[0])
		}
		out = append(out, digest.Topic{Name: name, Mentions: g.Now, Growth: g.Ratio, Path: "/mentions?" + q.Encode()})
	}
	return out, nil
}
