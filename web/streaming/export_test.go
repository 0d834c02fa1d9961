package streaming

import "time"

// Flush waits until every event the hub had received is dispatched (its
// frames queued to the connections): a barrier through every worker.
func (h *Hub) Flush() {
	var waits []chan struct{}
	for _, ch := range h.shards {
		done := make(chan struct{})
		ch <- busEvent{Kind: "barrier", done: done}
		waits = append(waits, done)
	}
	timeout := time.After(30 * time.Second)
	for _, w := range waits {
		select {
		case <-w:
		case <-timeout:
			panic("streaming: Flush: workers stuck")
		}
	}
}
