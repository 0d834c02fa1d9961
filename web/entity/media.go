package entity

import "github.com/kontor-social/kontor/db"

// MediaMeta is an attachment's sizes.
type MediaMeta struct {
	Original *MediaSize `json:"original,omitempty"`
	Small    *MediaSize `json:"small,omitempty"`
	Focus    *Focus     `json:"focus,omitempty"`
}

// MediaSize is one variant's size.
type MediaSize struct {
	Width    int     `json:"width,omitempty"`
	Height   int     `json:"height,omitempty"`
	Size     string  `json:"size,omitempty"`
	Aspect   float64 `json:"aspect,omitempty"`
	Duration float64 `json:"duration,omitempty"`
}

// Focus is an attachment's focal point.
type Focus struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// MediaAttachment is Mastodon's MediaAttachment entity.
type MediaAttachment struct {
	ID               string     `json:"id"`
	Type             string     `json:"type"`
	URL              *string    `json:"url"`
	PreviewURL       *string    `json:"preview_url"`
	RemoteURL        *string    `json:"remote_url"`
	PreviewRemoteURL *string    `json:"preview_remote_url"`
	TextURL          *string    `json:"text_url"`
	Meta             *MediaMeta `json:"meta"`
	Description      *string    `json:"description"`
	Blurhash         *string    `json:"blurhash"`
}

// Media renders an attachment.
func (p *Presenter) Media(m *db.MediaAttachment) MediaAttachment {
	out := MediaAttachment{ID: db.FormatID(m.ID), Type: m.Kind, RemoteURL: OptString(m.RemoteURL),
		PreviewRemoteURL: OptString(m.PreviewRemoteURL), Description: OptString(m.Description), Blurhash: OptString(m.Blurhash),
		Meta: mediaMeta(m.Meta)}
	if out.Type == "" {
		out.Type = "unknown"
	}
	if m.FileKey != "" || m.RemoteURL != "" {
		out.URL = ptr(p.mediaURL(m))
		// Video and audio without a thumbnail have no preview image (as on
		// Mastodon): their file is no picture for a client to show.
		if m.PreviewKey != "" || m.PreviewRemoteURL != "" || m.Kind == "image" {
			out.PreviewURL = ptr(p.previewURL(m))
		}
	}
	return out
}

// mediaMeta renders an attachment's sizes and focal point.
func mediaMeta(m db.MediaMeta) *MediaMeta {
	meta := &MediaMeta{}
	if o := m.Original; o != nil {
		meta.Original = &MediaSize{Width: o.Width, Height: o.Height, Size: o.Size, Aspect: o.Aspect, Duration: o.Duration}
	}
	if s := m.Small; s != nil {
		meta.Small = &MediaSize{Width: s.Width, Height: s.Height, Size: s.Size, Aspect: s.Aspect}
	}
	if f := m.Focus; f != nil {
		meta.Focus = &Focus{X: f.X, Y: f.Y}
	}
	return meta
}
