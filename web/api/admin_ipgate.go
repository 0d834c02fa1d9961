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

// ipGate refuses API requests from address ranges blocked with severity
// no_access. The ranges are cached for a short while (they are read on
// every request); an admin change here forgets them at once.
type ipGate struct {
	db       *db.DB
	mu       sync.Mutex
	ranges   []netip.Prefix
	loadedAt time.Time
}

func (g *ipGate) forget() {
	g.mu.Lock()
	g.loadedAt = time.Time{}
	g.mu.Unlock()
}

func (g *ipGate) blocked(ctx context.Context, addr string) bool {
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

// refuseBlockedIPs answers 403 to clients in a no_access range.
func (h *Handlers) refuseBlockedIPs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.ipGate.blocked(r.Context(), remoteIP(r)) {
			render.JSON(w, http.StatusForbidden, map[string]string{"error": "Access from your network is not allowed"})
			return
		}
		next.ServeHTTP(w, r)
	})
}
