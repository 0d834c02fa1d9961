package server

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/metrics"
	"github.com/kontor-social/kontor/web/streaming"
)

// serveMetrics starts the metrics listener when metrics_listen is set; the
// returned function stops it.
func (s *Server) serveMetrics() (func(), error) {
	if s.Metrics == nil {
		return func() {}, nil
	}
	l, err := net.Listen("tcp", s.Config.MetricsListen)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.Metrics.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	go srv.Serve(l) //nolint:errcheck // ends with Close
	s.Log.Info("serving metrics", "listen", l.Addr().String())
	return func() { srv.Close() }, nil
}

// registerGauges adds the values read at scrape time: streaming connections,
// queue sizes and the database pools.
func registerGauges(m *metrics.Set, store *db.DB, hub *streaming.Hub) {
	if m == nil {
		return
	}
	m.Gauge("kontor_streaming_connections", "Open streaming connections (WebSocket and server-sent events) on this process.",
		func() float64 { return float64(hub.Connections()) })
	m.Register(&storeCollector{db: store})
}

// storeCollector reads queue sizes and pool statistics when scraped: one
// cheap query instead of bookkeeping on every write.
type storeCollector struct{ db *db.DB }

var (
	deliveriesQueuedDesc = prometheus.NewDesc("kontor_deliveries_queued", "Deliveries waiting to be sent (due now or later).", nil, nil)
	inboxQueuedDesc      = prometheus.NewDesc("kontor_inbox_queue_depth", "Received activities not yet applied.", nil, nil)
	hostsDownDesc        = prometheus.NewDesc("kontor_hosts_down", "Remote hosts considered down (deliveries to them wait for a probe).", nil, nil)
	pushesQueuedDesc     = prometheus.NewDesc("kontor_push_queued", "Web Push messages waiting to be sent (due now or later).", nil, nil)
	poolOpenDesc         = prometheus.NewDesc("kontor_db_connections_open", "Open database connections, by pool.", []string{"pool"}, nil)
	poolInUseDesc        = prometheus.NewDesc("kontor_db_connections_in_use", "Database connections in use, by pool.", []string{"pool"}, nil)
	poolWaitDesc         = prometheus.NewDesc("kontor_db_wait_seconds_total", "Time spent waiting for a database connection, by pool.", []string{"pool"}, nil)
	poolWaitCountDesc    = prometheus.NewDesc("kontor_db_waits_total", "Waits for a database connection, by pool.", []string{"pool"}, nil)
)

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{deliveriesQueuedDesc, inboxQueuedDesc, hostsDownDesc, pushesQueuedDesc, poolOpenDesc, poolInUseDesc, poolWaitDesc, poolWaitCountDesc} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if q, err := c.db.QueueStats(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(deliveriesQueuedDesc, prometheus.GaugeValue, float64(q.DeliveriesQueued))
		ch <- prometheus.MustNewConstMetric(inboxQueuedDesc, prometheus.GaugeValue, float64(q.InboxQueued))
		ch <- prometheus.MustNewConstMetric(hostsDownDesc, prometheus.GaugeValue, float64(q.HostsDown))
		ch <- prometheus.MustNewConstMetric(pushesQueuedDesc, prometheus.GaugeValue, float64(q.PushesQueued))
	} else {
		ch <- prometheus.NewInvalidMetric(deliveriesQueuedDesc, err)
	}
	for pool, st := range c.db.PoolStats() {
		ch <- prometheus.MustNewConstMetric(poolOpenDesc, prometheus.GaugeValue, float64(st.OpenConnections), pool)
		ch <- prometheus.MustNewConstMetric(poolInUseDesc, prometheus.GaugeValue, float64(st.InUse), pool)
		ch <- prometheus.MustNewConstMetric(poolWaitDesc, prometheus.CounterValue, st.WaitDuration.Seconds(), pool)
		ch <- prometheus.MustNewConstMetric(poolWaitCountDesc, prometheus.CounterValue, float64(st.WaitCount), pool)
	}
}
