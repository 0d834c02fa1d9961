package entity

import (
	"log/slog"

	"github.com/kontor-social/kontor/db"
)

// Presenter renders stored rows as entities for a viewer: the one place
// that does, so a status looks the same in a REST timeline, a single
// status and a streamed event. Lists are rendered with a fixed number of
// queries, whatever their length.
type Presenter struct {
	db         *db.DB
	mediaURL   func(*db.MediaAttachment) string
	previewURL func(*db.MediaAttachment) string
	tagURL     func(name string) string
	baseURL    string
	log        *slog.Logger
	cards      *cardMemo
	rendered   *renderedCache
}

// Deps are what a Presenter renders with.
type Deps struct {
	DB *db.DB
	// MediaURL and MediaPreviewURL say where a file and its preview are
	// served (the local store or S3).
	MediaURL        func(*db.MediaAttachment) string
	MediaPreviewURL func(*db.MediaAttachment) string
	// TagURL is the page of a hashtag.
	TagURL func(name string) string
	// BaseURL is the instance's public URL (for the default avatar and header).
	BaseURL string
	Logger  *slog.Logger
}

// New returns a presenter.
func New(d Deps) *Presenter {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	return &Presenter{db: d.DB, mediaURL: d.MediaURL, previewURL: d.MediaPreviewURL, tagURL: d.TagURL, baseURL: d.BaseURL, log: d.Logger,
		cards: &cardMemo{}, rendered: newRenderedCache()}
}
