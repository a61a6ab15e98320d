package digest

import (
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"mime/quotedprintable"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/ewom/ewom/internal/tlstest"
)

// received is a message the test SMTP server accepted.
type received struct {
	From string
	To   []string
	Data []byte
}

// mta is a real SMTP server (go-smtp) on loopback with TLS — STARTTLS or
// implicit — and AUTH PLAIN required before MAIL.
type mta struct {
	addr       string
	caFile     string
	user, pass string
	mu         sync.Mutex
	msgs       []received
	authFails  int
}

func (m *mta) messages() []received {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]received(nil), m.msgs...)
}

func startMTA(t *testing.T, implicit bool) *mta {
	t.Helper()
	cert := tlstest.SelfSigned(t, "ewom test mta")
	m := &mta{user: "digest@ewom.test", pass: "s3cret-Pässword", caFile: cert.CertFile}
	srv := smtp.NewServer(m)
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert.Pair}}
	srv.MaxMessageBytes = 4 << 20
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	var l net.Listener
	var err error
	if implicit {
		l, err = tls.Listen("tcp", "127.0.0.1:0", srv.TLSConfig)
	} else {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	m.addr = l.Addr().String()
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return m
}

// NewSession implements smtp.Backend.
func (m *mta) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &mtaSession{mta: m, conn: c}, nil
}

type mtaSession struct {
	mta    *mta
	conn   *smtp.Conn
	authed bool
	msg    received
}

func (s *mtaSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *mtaSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if _, isTLS := s.conn.TLSConnectionState(); !isTLS {
			return errors.New("TLS required")
		}
		if user != s.mta.user || pass != s.mta.pass {
			s.mta.mu.Lock()
			s.mta.authFails++
			s.mta.mu.Unlock()
			return errors.New("bad credentials")
		}
		s.authed = true
		return nil
	}), nil
}

func (s *mtaSession) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return &smtp.SMTPError{Code: 530, Message: "authentication required"}
	}
	s.msg.From = from
	return nil
}

func (s *mtaSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.msg.To = append(s.msg.To, to)
	return nil
}

func (s *mtaSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.msg.Data = b
	s.mta.mu.Lock()
	s.mta.msgs = append(s.mta.msgs, s.msg)
	s.mta.mu.Unlock()
	return nil
}

func (s *mtaSession) Reset()        { s.msg = received{} }
func (s *mtaSession) Logout() error { return nil }

func base64Reader(r io.Reader) io.Reader {
	return base64.NewDecoder(base64.StdEncoding, newlineStripper{r})
}

func qpReader(r io.Reader) io.Reader { return quotedprintable.NewReader(r) }

// newlineStripper drops CR and LF, which base64 lines end with.
type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	for {
		k, err := n.r.Read(p)
		j := 0
		for _, c := range p[:k] {
			if c != '\r' && c != '\n' {
				p[j] = c
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}

func (m *mta) failedAuths() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.authFails
}
