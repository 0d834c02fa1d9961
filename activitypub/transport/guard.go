package transport

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// ErrForbiddenAddress is returned (wrapped) when a request would connect to an
// address the SSRF guard refuses.
var ErrForbiddenAddress = errors.New("transport: forbidden address")

// ErrForbiddenScheme is returned (wrapped) for URLs that are not https (or
// http when Options.Protocol is "http"), or that carry user information.
var ErrForbiddenScheme = errors.New("transport: forbidden URL")

// blockedPrefixes are the ranges no federation peer lives in. Checked after
// IPv4-mapped addresses are unmapped.
var blockedPrefixes = func() []netip.Prefix {
	ranges := []string{
		// IPv4
		"0.0.0.0/8",        // "this network"; 0.0.0.0 reaches localhost on Linux
		"10.0.0.0/8",       // RFC 1918
		"100.64.0.0/10",    // CGNAT (also Alibaba's metadata 100.100.100.200)
		"127.0.0.0/8",      // loopback
		"169.254.0.0/16",   // link-local, cloud metadata 169.254.169.254
		"172.16.0.0/12",    // RFC 1918
		"192.0.0.0/24",     // IETF protocol assignments (Oracle metadata 192.0.0.192)
		"192.0.2.0/24",     // documentation
		"192.168.0.0/16",   // RFC 1918
		"198.18.0.0/15",    // benchmarking, used inside some networks
		"198.51.100.0/24",  // documentation
		"203.0.113.0/24",   // documentation
		"224.0.0.0/4",      // multicast
		"240.0.0.0/4",      // reserved, includes broadcast 255.255.255.255
		"168.63.129.16/32", // Azure's host endpoint (public address, internal service)
		// IPv6
		"::/128",         // unspecified
		"::1/128",        // loopback
		"100::/64",       // discard
		"2001:db8::/32",  // documentation
		"fc00::/7",       // unique local (AWS metadata fd00:ec2::254)
		"fe80::/10",      // link-local
		"fec0::/10",      // deprecated site-local
		"ff00::/8",       // multicast
		"64:ff9b:1::/48", // local-use NAT64
	}
	out := make([]netip.Prefix, len(ranges))
	for i, s := range ranges {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}()

// Prefixes that embed an IPv4 address, which is checked as well: a NAT64 or
// 6to4 gateway would forward to it.
var (
	nat64   = netip.MustParsePrefix("64:ff9b::/96")
	sixToV4 = netip.MustParsePrefix("2002::/16")
	compat  = netip.MustParsePrefix("::/96") // deprecated IPv4-compatible
)

// publicAddress reports whether ip may be connected to without being listed
// in AllowedNetworks.
func publicAddress(ip netip.Addr) bool {
	if !ip.IsValid() {
		return false
	}
	ip = ip.Unmap().WithZone("")
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	if ip.Is6() {
		b := ip.As16()
		switch {
		case nat64.Contains(ip), compat.Contains(ip):
			return publicAddress(netip.AddrFrom4([4]byte(b[12:16])))
		case sixToV4.Contains(ip):
			return publicAddress(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	return true
}

// allowedAddress applies the guard with the configured exceptions.
func (c *Client) allowedAddress(ip netip.Addr) bool {
	ip = ip.Unmap().WithZone("")
	for _, p := range c.allowed {
		if p.Contains(ip) {
			return true
		}
	}
	return publicAddress(ip)
}

// control runs on every connection attempt with the resolved address, so it
// sees what DNS answered this time, and for every hop of a redirect.
func (c *Client) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s (%s)", ErrForbiddenAddress, address, network)
	}
	if !c.allowedAddress(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, ap.Addr())
	}
	return nil
}

// checkURL parses a URL the client may request.
func (c *Client) checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrForbiddenScheme, err)
	}
	return u, c.checkParsedURL(u)
}

func (c *Client) checkParsedURL(u *url.URL) error {
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme != "https" && !(scheme == "http" && c.allowHTTP):
		return fmt.Errorf("%w: scheme %q not allowed in %s", ErrForbiddenScheme, u.Scheme, redactURL(u))
	case u.Host == "" || u.Opaque != "":
		return fmt.Errorf("%w: no host in %s", ErrForbiddenScheme, redactURL(u))
	case u.User != nil:
		return fmt.Errorf("%w: user information in %s", ErrForbiddenScheme, redactURL(u))
	}
	return nil
}

// redactURL drops user information and the query (which may carry tokens) for
// error messages.
func redactURL(u *url.URL) string {
	v := *u
	v.User = nil
	v.RawQuery, v.ForceQuery = "", false
	v.Fragment, v.RawFragment = "", ""
	return v.String()
}

// ParseNetworks turns CIDR ranges or single addresses (as in the
// allowed_private_networks setting) into Options.AllowedNetworks.
func ParseNetworks(list []string) ([]*net.IPNet, error) {
	out := make([]*net.IPNet, 0, len(list))
	for _, s := range list {
		s = strings.TrimSpace(s)
		if !strings.Contains(s, "/") {
			ip, err := netip.ParseAddr(s)
			if err != nil {
				return nil, fmt.Errorf("transport: %q is not an address or range", s)
			}
			s = netip.PrefixFrom(ip, ip.BitLen()).String()
		}
		_, n, err := net.ParseCIDR(s)
		if err != nil {
			return nil, fmt.Errorf("transport: %q is not an address or range", s)
		}
		out = append(out, n)
	}
	return out, nil
}
