package delivery

import (
	"context"
	"time"

	"github.com/kontor-social/kontor/db"
)

// settleBatch bounds one transaction of outcomes.
const settleBatch = 500

// settler writes outcomes: whatever has accumulated while the previous
// transaction ran goes into the next one, so a fan-out of a thousand 2xx
// costs a handful of transactions, and a lone outcome is written at once.
func (q *Queue) settler(in <-chan db.DeliveryOutcome, done chan<- struct{}) {
	defer close(done)
	batch := make([]db.DeliveryOutcome, 0, settleBatch)
	for o := range in {
		batch = append(batch[:0], o)
	drain:
		for len(batch) < settleBatch {
			select {
			case o, ok := <-in:
				if !ok {
					break drain
				}
				batch = append(batch, o)
			default:
				break drain
			}
		}
		q.settle(batch)
		for _, o := range batch {
			if o.Kind == db.Retry || o.Kind == db.Release {
				// The dispatcher may be asleep until its poll; it should
				// wake for this row's due time instead.
				signal(q.kick)
				break
			}
		}
	}
}

// settle writes one batch, retrying a few times. If the database stays
// away, the rows keep their lease and come due again when it runs out:
// delivered rows may then be sent twice, nothing is lost.
func (q *Queue) settle(batch []db.DeliveryOutcome) {
	delay := 100 * time.Millisecond
	for try := 1; ; try++ {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := q.db.SettleDeliveries(ctx, batch)
		cancel()
		if err == nil {
			return
		}
		if try == 4 {
			q.log.Error("write delivery outcomes; rows will be retried after their lease", "rows", len(batch), "err", err)
			return
		}
		q.log.Warn("write delivery outcomes", "rows", len(batch), "try", try, "err", err)
		time.Sleep(delay)
		delay *= 4
	}
}
