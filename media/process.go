package media

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/buckket/go-blurhash"
	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// Dimensions is one entry of a MediaAttachment's meta (original, small).
type Dimensions struct {
	Width  int     `json:"width"`
	Height int     `json:"height"`
	Size   string  `json:"size"` // "640x480"
	Aspect float64 `json:"aspect"`
}

// Focus is the focal point of an image, each coordinate in [-1, 1]
// (x from left to right, y from bottom to top, as Mastodon).
type Focus struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Meta is a MediaAttachment's meta object.
type Meta struct {
	Original *Dimensions `json:"original,omitempty"`
	Small    *Dimensions `json:"small,omitempty"`
	Focus    *Focus      `json:"focus,omitempty"`
}

// Processed is the result of Process, ready to be stored.
type Processed struct {
	Kind               Kind
	ContentType        string // of Original
	Ext                string // with the dot, matches ContentType
	Original           []byte // re-encoded image, or video/audio as uploaded
	Preview            []byte // images only
	PreviewContentType string
	Meta               Meta
	Blurhash           string // images only
}

const (
	jpegQuality = 85
	// Mastodon uses 4x4 (BLURHASH_OPTIONS in media_attachment.rb); clients
	// read the component counts from the hash itself.
	blurhashX, blurhashY = 4, 4
	blurhashSide         = 32 // encode a tiny downscale: the cost is per pixel
)

// Process reads an upload, detects its type from the bytes and prepares what
// to store. Images are decoded and re-encoded (dropping all metadata, turned
// upright per EXIF); GIFs keep their frames but lose metadata blocks; video
// and audio are kept as uploaded. focus is the client's "x,y" or "".
// Errors for bad uploads satisfy IsInvalid.
func Process(r io.Reader, limits Limits, focus string) (*Processed, error) {
	limits = limits.withDefaults()
	f, err := ParseFocus(focus)
	if err != nil {
		return nil, err
	}

	head := make([]byte, SniffLen)
	n, err := io.ReadFull(r, head)
	switch {
	case errors.Is(err, io.EOF):
		return nil, fmt.Errorf("%w: empty file", ErrUnsupportedType)
	case err != nil && !errors.Is(err, io.ErrUnexpectedEOF):
		return nil, err
	}
	head = head[:n]
	ct, kind, ok := Sniff(head)
	if !ok {
		return nil, ErrUnsupportedType
	}

	limit := limits.MaxVideoBytes
	if kind == KindImage {
		limit = limits.MaxImageBytes
	}
	// Read at most limit+1 bytes: one more than allowed proves it is too big.
	var buf bytes.Buffer
	buf.Write(head)
	if _, err := io.Copy(&buf, io.LimitReader(r, limit+1-int64(n))); err != nil {
		return nil, err
	}
	if int64(buf.Len()) > limit {
		return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, limit)
	}
	data := buf.Bytes()

	if kind != KindImage {
		return &Processed{Kind: kind, ContentType: ct, Ext: ExtFor(ct), Original: data, Meta: Meta{Focus: f}}, nil
	}
	p, err := processImage(data, ct, limits)
	if err != nil {
		return nil, err
	}
	p.Meta.Focus = f
	return p, nil
}

// maxImageSide bounds each side of an image (JPEG's own limit): a PNG row
// is decoded whole, so a 33-megapixel image one pixel high would need rows
// of hundreds of megabytes.
const maxImageSide = 65535

func processImage(data []byte, ct string, limits Limits) (*Processed, error) {
	// Header first: refuse decompression bombs before allocating pixels.
	cfg, err := imageConfig(data, ct)
	if err != nil {
		return nil, err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("%w: empty image", ErrInvalidMedia)
	}
	if int64(cfg.Width)*int64(cfg.Height) > int64(limits.MaxImagePixels) || cfg.Width > maxImageSide || cfg.Height > maxImageSide {
		return nil, fmt.Errorf("%w: %dx%d", ErrTooManyPixels, cfg.Width, cfg.Height)
	}
	leave, err := enterGate(decodeCost(data, ct, cfg, limits))
	if err != nil {
		return nil, err
	}
	defer leave()
	if ct == "image/png" {
		return processPNG(data, limits)
	}
	p := &Processed{Kind: KindImage}
	img, err := decodeImage(p, data, ct, cfg)
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	p.Meta.Original = dims(b.Dx(), b.Dy())
	// The preview is made before the original is encoded, so the full-size
	// image can go as soon as that is done.
	prev := preview(img, limits.PreviewSize)
	reuse := prev == img
	if p.Original == nil {
		if p.ContentType == "image/jpeg" {
			p.Original, err = encodeJPEG(img)
		} else {
			p.Original, err = encodePNG(img)
		}
		if err != nil {
			return nil, err
		}
	}
	return p, finishPreview(p, prev, reuse)
}

// imageConfig reads an image's header.
func imageConfig(data []byte, ct string) (image.Config, error) {
	var (
		cfg image.Config
		err error
	)
	switch ct {
	case "image/jpeg":
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	case "image/png":
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	case "image/gif":
		cfg, err = gif.DecodeConfig(bytes.NewReader(data))
	case "image/webp":
		cfg, err = webp.DecodeConfig(bytes.NewReader(data))
	default:
		return cfg, ErrUnsupportedType
	}
	if err != nil {
		return cfg, fmt.Errorf("%w: %v", ErrInvalidMedia, err)
	}
	return cfg, nil
}

// decodeCost estimates the bytes processing the image will hold at once:
// its decoded pixels (and an upright copy when it must be turned), the
// preview's accumulators, and the encoded result.
func decodeCost(data []byte, ct string, cfg image.Config, limits Limits) int64 {
	px := int64(cfg.Width) * int64(cfg.Height)
	cost := shrinkerBytes(limits.PreviewSize) + int64(len(data))
	switch ct {
	case "image/png": // two rows of up to 8 bytes a pixel, one converted
		return cost + 20*int64(cfg.Width)
	case "image/jpeg":
		bpp := int64(3) // YCbCr, 4:4:4 at worst
		switch cfg.ColorModel {
		case color.GrayModel:
			bpp = 1
		case color.CMYKModel:
			bpp = 4
		}
		if jpegOrientation(data) >= 2 {
			bpp += 4
		}
		return cost + px*bpp
	case "image/webp":
		bpp := int64(3) // YCbCr 4:2:0 with alpha: 2.5
		if webpOrientation(data) >= 2 {
			bpp += 4
		}
		return cost + px*bpp
	}
	return cost + px*5 // GIF: the paletted frame, and an RGBA canvas when smaller
}

// decodeImage decodes a JPEG, WebP or GIF upright, and sets p's content
// type (and Original, for a GIF, which is kept as sent minus metadata).
func decodeImage(p *Processed, data []byte, ct string, cfg image.Config) (image.Image, error) {
	var img image.Image
	var err error
	switch ct {
	case "image/jpeg":
		if img, err = jpeg.Decode(bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidMedia, err)
		}
		p.ContentType = "image/jpeg"
		img = orient(img, jpegOrientation(data))

	case "image/webp":
		// x/image/webp cannot decode animations; say so rather than "damaged".
		if len(data) >= 21 && string(data[12:16]) == "VP8X" && data[20]&0x02 != 0 {
			return nil, fmt.Errorf("%w: animated WebP", ErrUnsupportedType)
		}
		// No WebP encoder in Go: keep alpha as PNG, otherwise JPEG (smaller
		// for the photos WebP usually carries).
		if img, err = webp.Decode(bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidMedia, err)
		}
		img = orient(img, webpOrientation(data))
		p.ContentType = "image/png"
		if isOpaque(img) {
			p.ContentType = "image/jpeg"
		}

	case "image/gif":
		// Keep the animation (no ffmpeg to make a gifv), minus metadata. Only
		// the first frame is decoded, for the preview.
		clean, _, err := cleanGIF(data)
		if err != nil {
			return nil, err
		}
		first, err := gif.Decode(bytes.NewReader(clean))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidMedia, err)
		}
		img = first
		if screen := image.Rect(0, 0, cfg.Width, cfg.Height); first.Bounds() != screen {
			c := image.NewNRGBA(screen)
			draw.Draw(c, first.Bounds(), first, first.Bounds().Min, draw.Src)
			img = c
		}
		p.Original = clean
		p.ContentType = "image/gif"
	}
	p.Ext = ExtFor(p.ContentType)
	return img, nil
}

// processPNG streams a PNG's rows into its preview and keeps the file
// itself minus its metadata chunks (see pngstream.go): its pixels are never
// all in memory.
func processPNG(data []byte, limits Limits) (*Processed, error) {
	chunks, err := pngChunks(data)
	if err != nil {
		return nil, err
	}
	info, err := parsePNGInfo(chunks)
	if err != nil {
		return nil, err
	}
	sh := newShrinker(info.width, info.height, limits.PreviewSize)
	if err := streamPNG(info, chunks, sh.addRow); err != nil {
		return nil, err
	}
	p := &Processed{Kind: KindImage, ContentType: "image/png", Ext: ".png", Original: cleanPNG(data, chunks),
		Meta: Meta{Original: dims(info.width, info.height)}}
	return p, finishPreview(p, sh.image(), sh.dw == info.width && sh.dh == info.height)
}

// finishPreview encodes the preview and the blurhash. reuse says the
// preview is the whole image, whose original serves as the preview when it
// is in the preview's format.
func finishPreview(p *Processed, prev image.Image, reuse bool) error {
	pb := prev.Bounds()
	p.Meta.Small = dims(pb.Dx(), pb.Dy())
	p.PreviewContentType = "image/png"
	if isOpaque(prev) {
		p.PreviewContentType = "image/jpeg"
	}
	var err error
	switch {
	case reuse && p.PreviewContentType == p.ContentType:
		p.Preview = p.Original // already small and in the preview's format
	case p.PreviewContentType == "image/jpeg":
		p.Preview, err = encodeJPEG(prev)
	default:
		p.Preview, err = encodePNG(prev)
	}
	if err != nil {
		return err
	}
	tiny := scaleDown(prev, blurhashSide, draw.BiLinear)
	if p.Blurhash, err = blurhash.Encode(blurhashX, blurhashY, tiny); err != nil {
		return fmt.Errorf("media: blurhash: %w", err)
	}
	return nil
}

// scaleDown returns img unchanged when its longest side is within side,
// otherwise a copy scaled to fit, keeping the aspect ratio.
func scaleDown(img image.Image, side int, k draw.Scaler) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= side && h <= side {
		return img
	}
	if w >= h {
		h = max(1, int(math.Round(float64(h)*float64(side)/float64(w))))
		w = side
	} else {
		w = max(1, int(math.Round(float64(w)*float64(side)/float64(h))))
		h = side
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	k.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	return dst
}

func dims(w, h int) *Dimensions {
	return &Dimensions{Width: w, Height: h, Size: fmt.Sprintf("%dx%d", w, h), Aspect: float64(w) / float64(h)}
}

func encodeJPEG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: jpegQuality}); err != nil {
		return nil, fmt.Errorf("media: encode jpeg: %w", err)
	}
	return buf.Bytes(), nil
}

func encodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("media: encode png: %w", err)
	}
	return buf.Bytes(), nil
}

// ParseFocus parses a focal point as clients send it, "x,y" with each value
// clamped to [-1, 1]. An empty string means no focus: (nil, nil).
func ParseFocus(s string) (*Focus, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	xs, ys, ok := strings.Cut(s, ",")
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrBadFocus, s)
	}
	x, errX := parseCoord(xs)
	y, errY := parseCoord(ys)
	if errX != nil || errY != nil {
		return nil, fmt.Errorf("%w: %q", ErrBadFocus, s)
	}
	return &Focus{X: x, Y: y}, nil
}

func parseCoord(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, errors.New("bad coordinate")
	}
	return min(1, max(-1, v)), nil
}
