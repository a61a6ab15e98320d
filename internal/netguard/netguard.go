// Package netguard is the SSRF guard for outbound fetches of user-configured
// URLs. The check runs at dial time on the address actually being connected
// to, so DNS answers, DNS rebinding and redirects that lead to internal
// addresses are refused no matter how the URL was spelt. An explicit
// allow-list admits self-hosted instances on private networks (and test
// servers on loopback).
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrBlocked is wrapped by every refusal, so callers can tell a policy
// decision from a network failure with errors.Is.
var ErrBlocked = errors.New("address not allowed")

// BlockedError says which address was refused and why.
type BlockedError struct {
	Host   string // as written in the URL or dial address
	Addr   netip.Addr
	Reason string
}

func (e *BlockedError) Error() string {
	if e.Addr.IsValid() && e.Host != e.Addr.String() {
		return fmt.Sprintf("%s (%s): %s: %s; add it to allow_networks if it is a trusted self-hosted service", e.Host, e.Addr, ErrBlocked, e.Reason)
	}
	return fmt.Sprintf("%s: %s: %s; add it to allow_networks if it is a trusted self-hosted service", e.Host, ErrBlocked, e.Reason)
}

func (e *BlockedError) Unwrap() error { return ErrBlocked }

// Metadata endpoints of cloud providers, refused even if a broader allow-list
// entry covers them.
var metadataAddrs = []netip.Addr{
	netip.MustParseAddr("169.254.169.254"), // AWS, GCP, Azure, OpenStack
	netip.MustParseAddr("fd00:ec2::254"),   // AWS IPv6
	netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
	netip.MustParseAddr("169.254.170.2"),   // AWS ECS task metadata
}

type blockedRange struct {
	prefix netip.Prefix
	reason string
}

var blockedRanges = func() []blockedRange {
	list := []struct{ cidr, reason string }{
		{"0.0.0.0/8", "\"this network\" address"},
		{"10.0.0.0/8", "private address"},
		{"100.64.0.0/10", "carrier-grade NAT (shared) address"},
		{"127.0.0.0/8", "loopback address"},
		{"169.254.0.0/16", "link-local address"},
		{"172.16.0.0/12", "private address"},
		{"192.0.0.0/24", "IETF protocol assignment"},
		{"192.0.2.0/24", "documentation address"},
		{"192.168.0.0/16", "private address"},
		{"198.18.0.0/15", "benchmarking address"},
		{"198.51.100.0/24", "documentation address"},
		{"203.0.113.0/24", "documentation address"},
		{"224.0.0.0/4", "multicast address"},
		{"240.0.0.0/4", "reserved address"},
		{"::/128", "unspecified address"},
		{"::1/128", "loopback address"},
		{"fc00::/7", "unique local (private) address"},
		{"fe80::/10", "link-local address"},
		{"fec0::/10", "site-local address"},
		{"ff00::/8", "multicast address"},
		{"2001:db8::/32", "documentation address"},
		{"100::/64", "discard-only address"},
	}
	out := make([]blockedRange, len(list))
	for i, b := range list {
		out[i] = blockedRange{netip.MustParsePrefix(b.cidr), b.reason}
	}
	return out
}()

// Embedded-IPv4 IPv6 forms: the IPv4 inside is what gets reached.
var (
	nat64Prefix   = netip.MustParsePrefix("64:ff9b::/96")
	nat64Local    = netip.MustParsePrefix("64:ff9b:1::/48")
	compatPrefix  = netip.MustParsePrefix("::/96") // deprecated IPv4-compatible
	sixToFour     = netip.MustParsePrefix("2002::/16")
	teredoPrefix  = netip.MustParsePrefix("2001::/32")
	ipv4Broadcast = netip.MustParseAddr("255.255.255.255")
)

// Policy decides which addresses may be dialled. The zero Policy refuses all
// internal addresses and allows every public one.
type Policy struct {
	allowNets  []netip.Prefix
	allowHosts map[string]bool
}

// NewPolicy builds a policy from allow-list entries, each a CIDR
// ("10.0.0.0/8"), a single IP ("127.0.0.1") or a host name
// ("mastodon.internal"; connections to it are allowed whatever it resolves
// to). Metadata addresses stay refused unless listed exactly.
func NewPolicy(allow []string) (*Policy, error) {
	p := &Policy{allowHosts: map[string]bool{}}
	for i, a := range allow {
		a = strings.TrimSpace(a)
		switch {
		case a == "":
			return nil, fmt.Errorf("allow_networks[%d]: empty entry", i)
		case strings.Contains(a, "/"):
			pfx, err := netip.ParsePrefix(a)
			if err != nil {
				return nil, fmt.Errorf("allow_networks[%d]: %q is not a CIDR such as 10.0.0.0/8", i, a)
			}
			p.allowNets = append(p.allowNets, pfx.Masked())
		default:
			if ip, err := netip.ParseAddr(strings.Trim(a, "[]")); err == nil {
				p.allowNets = append(p.allowNets, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
				continue
			}
			if strings.ContainsAny(a, " :?#@") {
				return nil, fmt.Errorf("allow_networks[%d]: %q is neither a CIDR, an IP nor a host name", i, a)
			}
			p.allowHosts[strings.ToLower(strings.TrimSuffix(a, "."))] = true
		}
	}
	return p, nil
}

// HostAllowed reports whether host (a name, without port) is on the
// allow-list by name.
func (p *Policy) HostAllowed(host string) bool {
	return p != nil && p.allowHosts[strings.ToLower(strings.TrimSuffix(host, "."))]
}

// CheckAddr returns a *BlockedError if ip must not be dialled.
func (p *Policy) CheckAddr(host string, ip netip.Addr) error {
	ip = ip.WithZone("")
	if ip.Is4In6() {
		ip = ip.Unmap()
	}
	for _, m := range metadataAddrs {
		if ip == m {
			if p.exactlyAllowed(ip) {
				return nil
			}
			return &BlockedError{Host: host, Addr: ip, Reason: "cloud metadata address"}
		}
	}
	if p.netAllowed(ip) {
		return nil
	}
	if ip == ipv4Broadcast {
		return &BlockedError{Host: host, Addr: ip, Reason: "broadcast address"}
	}
	if ip.Is6() {
		if v4, ok := embeddedIPv4(ip); ok {
			if err := p.CheckAddr(host, v4); err != nil {
				be := err.(*BlockedError)
				be.Reason = "IPv6 address embedding " + v4.String() + ", a " + be.Reason
				be.Addr = ip
				return be
			}
		}
	}
	for _, b := range blockedRanges {
		if b.prefix.Contains(ip) {
			return &BlockedError{Host: host, Addr: ip, Reason: b.reason}
		}
	}
	return nil
}

func (p *Policy) netAllowed(ip netip.Addr) bool {
	if p == nil {
		return false
	}
	for _, n := range p.allowNets {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

func (p *Policy) exactlyAllowed(ip netip.Addr) bool {
	if p == nil {
		return false
	}
	for _, n := range p.allowNets {
		if n.IsSingleIP() && n.Addr() == ip {
			return true
		}
	}
	return false
}

// embeddedIPv4 extracts the IPv4 address carried by NAT64, IPv4-compatible,
// 6to4 and Teredo IPv6 addresses.
func embeddedIPv4(ip netip.Addr) (netip.Addr, bool) {
	b := ip.As16()
	switch {
	case nat64Prefix.Contains(ip), nat64Local.Contains(ip):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case compatPrefix.Contains(ip) && ip != netip.IPv6Unspecified() && ip != netip.IPv6Loopback():
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixToFour.Contains(ip):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	case teredoPrefix.Contains(ip):
		// The client address is stored inverted in the last 32 bits.
		return netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]}), true
	}
	return netip.Addr{}, false
}

// ParseHostIP parses host as an IP literal, including the legacy IPv4 forms
// that inet_aton and some resolvers accept: decimal (2130706433), hex
// (0x7f000001), octal (0177.0.0.1) and shortened (127.1).
func ParseHostIP(host string) (netip.Addr, bool) {
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip, true
	}
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, s := range parts {
		v, err := parseInetAtonPart(s)
		if err != nil {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	// The last part fills all remaining bytes (inet_aton semantics).
	var n uint64
	for i, v := range vals[:len(vals)-1] {
		if v > 0xff {
			return netip.Addr{}, false
		}
		n |= v << (24 - 8*i)
	}
	last := vals[len(vals)-1]
	if last >= 1<<(8*(5-len(vals))) {
		return netip.Addr{}, false
	}
	n |= last
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

func parseInetAtonPart(s string) (uint64, error) {
	if s == "" {
		return 0, errors.New("empty")
	}
	base := 10
	switch {
	case len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X"):
		base, s = 16, s[2:]
	case len(s) > 1 && s[0] == '0':
		base, s = 8, s[1:]
	}
	return strconv.ParseUint(s, base, 32)
}

// CheckURL validates a URL before any request: http or https only, a host,
// and, when the host is an IP literal in any spelling, an allowed address.
// Names are checked again at dial time on the resolved address.
func (p *Policy) CheckURL(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "ws" && u.Scheme != "wss" {
		return fmt.Errorf("%s: scheme %q is not allowed (http or https only)", u.Redacted(), u.Scheme)
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("%s: no host", u.Redacted())
	}
	if u.User != nil {
		return fmt.Errorf("%s: credentials in URLs are not allowed", u.Redacted())
	}
	if p.HostAllowed(host) {
		return nil
	}
	if ip, ok := ParseHostIP(host); ok {
		return p.CheckAddr(host, ip)
	}
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return &BlockedError{Host: host, Reason: "loopback host name"}
	}
	return nil
}

// DialContextFunc is the shape of http.Transport.DialContext.
type DialContextFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// Dialer returns a dial function that refuses connections to disallowed
// addresses. The check is on the socket address after resolution (via the
// dialer's Control hook), so every A/AAAA answer tried is checked.
func (p *Policy) Dialer(timeout time.Duration) DialContextFunc {
	base := net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if p.HostAllowed(host) {
			return base.DialContext(ctx, network, addr)
		}
		if ip, ok := ParseHostIP(host); ok {
			if err := p.CheckAddr(host, ip); err != nil {
				return nil, err
			}
		}
		d := base
		d.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("netguard: unexpected dial address %q: %w", address, err)
			}
			return p.CheckAddr(host, ap.Addr())
		}
		return d.DialContext(ctx, network, addr)
	}
}
