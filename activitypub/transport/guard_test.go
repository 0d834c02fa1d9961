package transport

import (
	"errors"
	"net"
	"net/netip"
	"testing"
)

func TestPublicAddress(t *testing.T) {
	cases := []struct {
		ip     string
		public bool
	}{
		// IPv4 public
		{"8.8.8.8", true},
		{"1.1.1.1", true},
		{"93.184.216.34", true},
		{"100.63.255.255", true},  // just below CGNAT
		{"100.128.0.0", true},     // just above CGNAT
		{"172.15.255.255", true},  // just below 172.16/12
		{"172.32.0.0", true},      // just above
		{"169.253.255.255", true}, // just below link-local
		{"223.255.255.255", true}, // last unicast before multicast
		// IPv4 refused
		{"0.0.0.0", false},
		{"0.1.2.3", false},
		{"127.0.0.1", false},
		{"127.255.255.254", false},
		{"10.0.0.1", false},
		{"172.16.0.1", false},
		{"172.31.255.255", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"169.254.0.1", false},
		{"100.64.0.1", false},
		{"100.100.100.200", false}, // Alibaba metadata (CGNAT)
		{"192.0.0.192", false},     // Oracle metadata
		{"168.63.129.16", false},   // Azure
		{"224.0.0.1", false},
		{"239.255.255.250", false},
		{"255.255.255.255", false},
		{"240.0.0.1", false},
		{"198.18.0.1", false},
		{"192.0.2.1", false},
		// IPv6 public
		{"2606:4700:4700::1111", true},
		{"2a00:1450:4001:82b::200e", true},
		{"64:ff9b::808:808", true}, // NAT64 of 8.8.8.8
		{"2002:808:808::1", true},  // 6to4 of 8.8.8.8
		// IPv6 refused
		{"::", false},
		{"::1", false},
		{"fc00::1", false},
		{"fd00:ec2::254", false}, // AWS metadata
		{"fe80::1", false},
		{"fe80::1%eth0", false},
		{"ff02::1", false},
		{"2001:db8::1", false},
		{"fec0::1", false},
		{"64:ff9b::7f00:1", false},    // NAT64 of 127.0.0.1
		{"64:ff9b::a9fe:a9fe", false}, // NAT64 of 169.254.169.254
		{"64:ff9b:1::1", false},
		{"2002:7f00:1::1", false}, // 6to4 of 127.0.0.1
		{"2002:a00:1::1", false},  // 6to4 of 10.0.0.1
		{"::127.0.0.1", false},    // IPv4-compatible
		// IPv4-mapped IPv6
		{"::ffff:127.0.0.1", false},
		{"::ffff:169.254.169.254", false},
		{"::ffff:10.1.2.3", false},
		{"::ffff:192.168.0.1", false},
		{"::ffff:0.0.0.0", false},
		{"::ffff:8.8.8.8", true},
	}
	for _, tc := range cases {
		ip, err := netip.ParseAddr(tc.ip)
		if err != nil {
			t.Fatalf("%s: %v", tc.ip, err)
		}
		if got := publicAddress(ip); got != tc.public {
			t.Errorf("publicAddress(%s) = %v, want %v", tc.ip, got, tc.public)
		}
	}
	if publicAddress(netip.Addr{}) {
		t.Error("the zero Addr must not be public")
	}
}

func TestAllowedNetworks(t *testing.T) {
	nets, err := ParseNetworks([]string{"127.0.0.0/8", "10.1.2.3", "fd00::/8"})
	if err != nil {
		t.Fatal(err)
	}
	// An IPv4 range in 16-byte form, as net.IPNet allows.
	nets = append(nets, &net.IPNet{IP: net.ParseIP("192.168.5.0"), Mask: net.CIDRMask(120, 128)})
	c := New(Options{AllowedNetworks: nets})
	cases := []struct {
		ip    string
		allow bool
	}{
		{"127.0.0.1", true},
		{"::ffff:127.0.0.1", true},
		{"10.1.2.3", true},
		{"10.1.2.4", false},
		{"fd12::1", true},
		{"fc00::1", false},
		{"192.168.5.7", true},
		{"192.168.6.1", false},
		{"169.254.169.254", false},
		{"::1", false}, // IPv6 loopback is not in 127.0.0.0/8
		{"8.8.8.8", true},
	}
	for _, tc := range cases {
		if got := c.allowedAddress(netip.MustParseAddr(tc.ip)); got != tc.allow {
			t.Errorf("allowedAddress(%s) = %v, want %v", tc.ip, got, tc.allow)
		}
	}
	if _, err := ParseNetworks([]string{"nonsense"}); err == nil {
		t.Error("ParseNetworks accepted nonsense")
	}
}

func TestControl(t *testing.T) {
	c := New(Options{})
	for _, addr := range []string{"127.0.0.1:80", "[::1]:443", "[::ffff:10.0.0.1]:80", "169.254.169.254:80", "garbage"} {
		if err := c.control("tcp", addr, nil); !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("control(%s) = %v, want ErrForbiddenAddress", addr, err)
		}
	}
	if err := c.control("tcp4", "93.184.216.34:443", nil); err != nil {
		t.Errorf("control(public) = %v", err)
	}
}

func TestCheckURL(t *testing.T) {
	https := New(Options{Protocol: "https"})
	http := New(Options{Protocol: "http"})
	cases := []struct {
		url         string
		https, http bool
	}{
		{"https://example.com/users/a", true, true},
		{"HTTPS://example.com/", true, true},
		{"http://example.com/users/a", false, true},
		{"ftp://example.com/", false, false},
		{"file:///etc/passwd", false, false},
		{"gopher://example.com/", false, false},
		{"https://user:pw@example.com/", false, false},
		{"https:///nohost", false, false},
		{"mailto:a@example.com", false, false},
		{"/relative", false, false},
	}
	for _, tc := range cases {
		if _, err := https.checkURL(tc.url); (err == nil) != tc.https {
			t.Errorf("https client checkURL(%q) = %v", tc.url, err)
		} else if err != nil && !errors.Is(err, ErrForbiddenScheme) {
			t.Errorf("https client checkURL(%q) = %v, want ErrForbiddenScheme", tc.url, err)
		}
		if _, err := http.checkURL(tc.url); (err == nil) != tc.http {
			t.Errorf("http client checkURL(%q) = %v", tc.url, err)
		}
	}
}
