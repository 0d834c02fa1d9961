package kontortest

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
)

// Wait is how long scenario helpers wait for federation to happen.
const Wait = 15 * time.Second

// Resolve makes this instance look up u (a user of another instance) by
// handle, through WebFinger and an actor fetch, as a user search would.
func (in *Instance) Resolve(u *User) *db.Account {
	in.t.Helper()
	user, domain, _ := strings.Cut(u.Handle, "@")
	a, err := in.Engine().Resolver().Handle(context.Background(), user, domain)
	if err != nil {
		in.t.Fatalf("kontortest: resolve %s on %s: %v", u.Handle, in.Host, err)
	}
	return a
}

// Follow makes local user `who` follow `whom` (a user of another instance)
// and waits until the follow is accepted (or, with pending=true, until the
// request reached the other side).
func (in *Instance) Follow(who *User, other *Instance, whom *User) {
	in.t.Helper()
	target := in.Resolve(whom)
	if _, err := in.Engine().Follow(context.Background(), who.Account, target, activitypub.FollowOptions{ShowReblogs: true}); err != nil {
		in.t.Fatalf("kontortest: %s follows %s: %v", who.Handle, whom.Handle, err)
	}
	Eventually(in.t, Wait, who.Handle+" follow of "+whom.Handle+" to be accepted", func() bool {
		f, err := in.DB.FollowBetween(context.Background(), who.Account.ID, target.ID)
		return err == nil && f.Accepted
	})
}

// RemoteAccount returns this instance's row for u of another instance.
func (in *Instance) RemoteAccount(u *User, other *Instance) *db.Account {
	in.t.Helper()
	a, err := in.DB.AccountByURI(context.Background(), other.URL+"/users/"+u.Account.Username)
	if err != nil {
		in.t.Fatalf("kontortest: %s does not know %s: %v", in.Host, u.Handle, err)
	}
	return a
}

// Post publishes a status by u.
func (in *Instance) Post(u *User, p activitypub.PostParams) *db.Status {
	in.t.Helper()
	s, err := in.Engine().PublishStatus(context.Background(), u.Account, p)
	if err != nil {
		in.t.Fatalf("kontortest: %s posts: %v", u.Handle, err)
	}
	return s
}

// StatusByURI returns this instance's copy of a status, or nil.
func (in *Instance) StatusByURI(uri string) *db.Status {
	s, err := in.DB.StatusByURI(context.Background(), uri)
	if errors.Is(err, db.ErrNotFound) {
		return nil
	}
	if err != nil {
		in.t.Fatalf("kontortest: status %s: %v", uri, err)
	}
	return s
}

// WaitStatus waits until this instance has the status with uri.
func (in *Instance) WaitStatus(uri string) *db.Status {
	in.t.Helper()
	var s *db.Status
	Eventually(in.t, Wait, in.Host+" to receive "+uri, func() bool {
		s = in.StatusByURI(uri)
		return s != nil
	})
	return s
}

// Home returns the home timeline of u (newest first).
func (in *Instance) Home(u *User) []*db.Status {
	in.t.Helper()
	list, err := in.DB.HomeTimeline(context.Background(), u.Account.ID, db.Page{Limit: 40})
	if err != nil {
		in.t.Fatalf("kontortest: home of %s: %v", u.Handle, err)
	}
	return list
}

// DeliveriesDone waits until this instance's delivery queue is empty.
func (in *Instance) DeliveriesDone() {
	in.t.Helper()
	Eventually(in.t, Wait, in.Host+" to finish deliveries", func() bool {
		n, err := in.DB.PendingDeliveries(context.Background(), 0)
		return err == nil && n == 0
	})
}
