package portability_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"
	"time"

	"github.com/kontor-social/kontor/kontortest"
	"github.com/kontor-social/kontor/portability"
)

// BenchmarkImportRemoteFollows imports follows of 50 unknown remote
// accounts whose server answers WebFinger after 30 ms, at several
// concurrencies: what bounded concurrency buys on a slow network.
//
//	go test -run - -bench ImportRemoteFollows -benchtime 3x ./portability/
func BenchmarkImportRemoteFollows(b *testing.B) {
	const rows, latency = 50, 30 * time.Millisecond
	in := kontortest.Start(b, kontortest.Options{})
	remote := kontortest.NewFakeServer(b)
	target, _ := url.Parse(remote.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(latency)
		proxy.ServeHTTP(w, r)
	}))
	b.Cleanup(slow.Close)
	host := slow.Listener.Addr().String()
	round := 0
	for _, workers := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("concurrency=%d", workers), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				round++
				i := round
				u := in.CreateUser(fmt.Sprintf("u%d_%d", workers, i))
				var list []portability.Row
				for n := range rows {
					name := fmt.Sprintf("r%d_%d_%d", workers, i, n)
					remote.Actor(name)
					list = append(list, portability.Row{Line: n + 1, Fields: []string{name + "@" + host}})
				}
				im := &portability.Importer{Engine: in.Engine(), Concurrency: workers}
				b.StartTimer()
				res, err := im.Import(context.Background(), u.Account, portability.Follows, portability.Merge, list)
				if err != nil || res.Done != rows {
					b.Fatalf("import: %v %+v", err, res)
				}
			}
		})
	}
}
