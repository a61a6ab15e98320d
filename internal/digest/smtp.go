package digest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"os"
	"strconv"
	"time"

	"github.com/ewom/ewom/internal/config"
)

// mailer submits messages to the configured SMTP server: STARTTLS (required,
// not opportunistic) or implicit TLS, then AUTH PLAIN when a username is
// set. The password is only ever given to the server.
type mailer struct {
	cfg  config.SMTP
	tls  *tls.Config
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

func newMailer(cfg config.SMTP) (*mailer, error) {
	tc := &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("digests.smtp.ca_file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("digests.smtp.ca_file: no PEM certificates in %s", cfg.CAFile)
		}
		tc.RootCAs = pool
	}
	return &mailer{cfg: cfg, tls: tc, dial: (&net.Dialer{}).DialContext}, nil
}

// send delivers one message to every recipient in one SMTP transaction,
// bounded by the configured timeout.
func (m *mailer) send(ctx context.Context, from string, to []string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout)
	defer cancel()
	addr := net.JoinHostPort(m.cfg.Host, strconv.Itoa(m.cfg.Port))
	conn, err := m.dial(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", addr, err)
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if m.cfg.TLS == "implicit" {
		tc := tls.Client(conn, m.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return fmt.Errorf("smtp %s: tls: %w", addr, err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, m.cfg.Host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp %s: %w", addr, err)
	}
	defer c.Close()
	if err := m.transaction(c, from, to, body); err != nil {
		return fmt.Errorf("smtp %s: %w", addr, err)
	}
	return nil
}

var errNoStartTLS = errors.New("the server does not offer STARTTLS")

func (m *mailer) transaction(c *smtp.Client, from string, to []string, body []byte) error {
	if err := c.Hello("localhost"); err != nil {
		return err
	}
	if m.cfg.TLS == "starttls" {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errNoStartTLS
		}
		if err := c.StartTLS(m.tls); err != nil {
			return fmt.Errorf("starttls: %w", err)
		}
	}
	if m.cfg.Username != "" {
		// PlainAuth refuses to send the password over a connection without
		// TLS unless the server is on loopback.
		if err := c.Auth(smtp.PlainAuth("", m.cfg.Username, m.cfg.Password, m.cfg.Host)); err != nil {
			return fmt.Errorf("auth as %s: %w", m.cfg.Username, err)
		}
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			return fmt.Errorf("RCPT TO %s: %w", r, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	return c.Quit()
}
