package config

import "time"

// Bounds on waiting for the bus and the store (docs/configuration.md).
const (
	// DefaultPublishTimeout is nats.publish_timeout's default: an ingest
	// request the bus does not acknowledge within it is answered 503.
	DefaultPublishTimeout = 5 * time.Second
	// DefaultStartupTimeout is startup_timeout's default.
	DefaultStartupTimeout = 2 * time.Minute
)

func (c *Config) validateBounds(bad badFunc) {
	// An ingest answer must come well before the HTTP server's write
	// timeout (60 s) cuts the connection.
	if d := c.NATS.PublishTimeout; d < 100*time.Millisecond || d > 30*time.Second {
		bad("nats.publish_timeout", "%s is outside 100ms..30s", d)
	}
	if d := c.StartupTimeout; d < 0 || d > 24*time.Hour {
		bad("startup_timeout", "%s is outside 0..24h (0: try once)", d)
	}
}
