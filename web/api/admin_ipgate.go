package api

import (
	"context"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

// IPGate refuses every request (the API, the pages, the sign-in and OAuth)
// from address ranges blocked with severity no_access. The ranges are
// cached for a short while (they are read on every request); an admin
// change here forgets them at once.
type IPGate struct {
	db       *db.DB
	mu       sync.Mutex
	ranges   []netip.Prefix
	loadedAt time.Time
}

// NewIPGate returns the gate of the ranges stored in d.
func NewIPGate(d *db.DB) *IPGate { return &IPGate{db: d} }

func (g *IPGate) forget() {
	g.mu.Lock()
	g.loadedAt = time.Time{}
	g.mu.Unlock()
}

func (g *IPGate) blocked(ctx context.Context, addr string) bool {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	g.mu.Lock()
	if time.Since(g.loadedAt) > 30*time.Second {
		if ranges, err := g.db.NoAccessRanges(ctx); err == nil {
			g.ranges, g.loadedAt = ranges, time.Now()
		}
	}
	ranges := g.ranges
	g.mu.Unlock()
	for _, p := range ranges {
		if p.Contains(ip.Unmap()) {
			return true
		}
	}
	return false
}

// Refuse answers 403 to clients in a no_access range, on every route but
// /healthz (the load balancer's): a JSON error to the API and apps, a
// readable page to browsers. It runs after the client's address is known
// (middleware.RealIP).
func (g *IPGate) Refuse(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" && g.blocked(r.Context(), remoteIP(r)) {
			render.Error(w, r, http.StatusForbidden, "Access from your network is not allowed")
			return
		}
		next.ServeHTTP(w, r)
	})
}
