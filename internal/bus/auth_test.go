package bus_test

import (
	"context"
	"crypto/tls"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ewom/ewom/internal/bus"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/tlstest"
)

func TestExternalServerWithPasswordOverTLS(t *testing.T) {
	cert := tlstest.SelfSigned(t, "ewom-test")
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(),
		NoSigs: true, NoLog: true, Users: []*server.User{{Username: "ewom", Password: "s3cret-pass"}},
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert.Pair}, MinVersion: tls.VersionTLS12}, TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	t.Cleanup(srv.Shutdown)

	cfg := config.Default().NATS
	cfg.URL = "tls://" + srv.Addr().String()
	cfg.User = "ewom"
	cfg.TLS.CAFile = cert.CertFile
	open := func(password string) (*bus.Bus, error) {
		c := cfg
		c.Password = password
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return bus.Open(ctx, c, t.TempDir(), bus.NewMetrics(prometheus.NewRegistry()), slog.New(slog.DiscardHandler))
	}
	if _, err := open("wrong"); err == nil || !strings.Contains(err.Error(), "connect to NATS") || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("wrong password: err = %v; want a connect error that does not echo the password", err)
	}
	b, err := open("s3cret-pass")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.ReadyToPublish(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(context.Background(), sample(1)); err != nil {
		t.Fatal(err)
	}
}
