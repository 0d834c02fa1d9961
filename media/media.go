// Package media turns uploaded files into what Kontor stores and serves:
// it detects the real type from the bytes, re-encodes images (which strips
// EXIF/GPS/XMP/ICC metadata and applies the EXIF orientation), makes a preview
// and a blurhash, and stores the results on local disk or in S3.
package media

import "errors"

// Kind is a Mastodon MediaAttachment type.
type Kind string

// Mastodon's attachment types. Process never returns KindGIFV: turning an
// animated GIF into an mp4 needs ffmpeg, so GIFs stay KindImage.
const (
	KindImage   Kind = "image"
	KindGIFV    Kind = "gifv"
	KindVideo   Kind = "video"
	KindAudio   Kind = "audio"
	KindUnknown Kind = "unknown"
)

// Limits bounds what Process accepts. Zero fields take the value from
// DefaultLimits, so a zero Limits is safe rather than unlimited.
type Limits struct {
	MaxImageBytes  int64 // images (JPEG, PNG, GIF, WebP)
	MaxVideoBytes  int64 // video and audio, as Mastodon does
	MaxImagePixels int   // width*height matrix limit, checked before decoding
	PreviewSize    int   // longest side of the preview, in pixels
}

// DefaultLimits returns Mastodon's defaults (image_size_limit,
// video_size_limit, image_matrix_limit) and a 640px preview.
func DefaultLimits() Limits {
	return Limits{
		MaxImageBytes:  16 << 20,
		MaxVideoBytes:  99 << 20,
		MaxImagePixels: 33_177_600,
		PreviewSize:    640,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxImageBytes <= 0 {
		l.MaxImageBytes = d.MaxImageBytes
	}
	if l.MaxVideoBytes <= 0 {
		l.MaxVideoBytes = d.MaxVideoBytes
	}
	if l.MaxImagePixels <= 0 {
		l.MaxImagePixels = d.MaxImagePixels
	}
	if l.PreviewSize <= 0 {
		l.PreviewSize = d.PreviewSize
	}
	return l
}

// Errors returned by Process and ParseFocus; each means the upload itself
// is at fault (HTTP 422 in the Mastodon API). Use errors.Is: they are
// usually wrapped with details.
var (
	ErrUnsupportedType = errors.New("media: unsupported file type")
	ErrInvalidMedia    = errors.New("media: file is damaged or invalid")
	ErrTooLarge        = errors.New("media: file is too large")
	ErrTooManyPixels   = errors.New("media: image has too many pixels")
	ErrBadFocus        = errors.New("media: invalid focus")
)

// IsInvalid reports whether err was caused by the upload (so the API should
// answer 422) rather than by the server.
func IsInvalid(err error) bool {
	for _, e := range []error{ErrUnsupportedType, ErrInvalidMedia, ErrTooLarge, ErrTooManyPixels, ErrBadFocus} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
