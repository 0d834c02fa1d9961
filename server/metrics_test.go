package server_test

import (
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/kontortest"
)

// freeAddr finds a loopback port for the metrics listener.
func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestMetrics drives requests, an inbox activity and a delivery through an
// instance, then reads them back from its metrics listener.
func TestMetrics(t *testing.T) {
	addr := freeAddr(t)
	in := kontortest.Start(t, kontortest.Options{Configure: func(c *config.Config) { c.MetricsListen = addr }})
	alice := in.CreateUser("alice")
	peer := kontortest.NewFakeServer(t)
	bob := peer.Actor("bob")
	bob.FollowLocal(in, alice)
	in.Post(alice, activitypub.PostParams{Text: "hello metrics"})
	in.DeliveriesDone()
	if resp, _ := in.Get("/api/v1/instance"); resp.StatusCode != http.StatusOK {
		t.Fatalf("instance: %d", resp.StatusCode)
	}
	if resp, _ := in.Get("/metrics"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("public /metrics answered %d, want 404", resp.StatusCode)
	}

	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(body)
	for _, c := range []struct {
		series string
		min    float64
	}{
		{`kontor_http_requests_total{code="200",method="GET",route="/api/v1/instance"}`, 1},
		{`kontor_http_requests_total{code="404",method="GET",route="unmatched"}`, 1},
		{`kontor_http_request_duration_seconds_count{method="GET",route="/api/v1/instance"}`, 1},
		{`kontor_inbox_received_total{outcome="accepted",type="Follow"}`, 1},
		{`kontor_inbox_applied_total{outcome="applied",type="Follow"}`, 1},
		{`kontor_deliveries_total{outcome="delivered"}`, 2}, // the Accept and the Create
		{`kontor_delivery_duration_seconds_count`, 2},
		{`kontor_deliveries_queued`, 0},
		{`kontor_inbox_queue_depth`, 0},
		{`kontor_push_queued`, 0},
		{`kontor_hosts_down`, 0},
		{`kontor_streaming_connections`, 0},
		{`kontor_db_connections_open{pool="write"}`, 0},
		{`kontor_go_goroutines`, 1},
		{`kontor_process_resident_memory_bytes`, 1},
	} {
		v, ok := sample(text, c.series)
		if !ok {
			t.Errorf("no series %s", c.series)
			continue
		}
		if v < c.min {
			t.Errorf("%s = %v, want at least %v", c.series, v, c.min)
		}
	}
	if m := regexp.MustCompile(`(?m)^[a-z_]+`).FindAllString(text, -1); len(m) > 0 {
		for _, name := range m {
			if len(name) < 7 || name[:7] != "kontor_" {
				t.Errorf("metric %s does not start with kontor_", name)
				break
			}
		}
	}
}

// sample reads the value of one series from the text format.
func sample(text, series string) (float64, bool) {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
	m := re.FindStringSubmatch(text)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	return v, err == nil
}

// TestMetricsOff: without metrics_listen nothing listens and the public
// listener has no /metrics.
func TestMetricsOff(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	if in.Server.Metrics != nil {
		t.Error("metrics set without metrics_listen")
	}
	if resp, _ := in.Get("/metrics"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("public /metrics answered %d, want 404", resp.StatusCode)
	}
}
