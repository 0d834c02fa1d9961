package media

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"runtime"
	"strings"
	"testing"

	"github.com/buckket/go-blurhash"
	"golang.org/x/image/draw"
)

func decodeT(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode output: %v", err)
	}
	return img
}

func isRed(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r>>8 > 180 && g>>8 < 90 && b>>8 < 90
}

func isBlue(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return b>>8 > 180 && r>>8 < 90 && g>>8 < 90
}

func checkBlurhash(t *testing.T, h string) {
	t.Helper()
	x, y, err := blurhash.Components(h)
	if err != nil {
		t.Fatalf("blurhash %q: %v", h, err)
	}
	if x != blurhashX || y != blurhashY || len(h) != 6+2*(x*y-1) {
		t.Fatalf("blurhash %q: %dx%d components, len %d", h, x, y, len(h))
	}
	if _, err := blurhash.Decode(h, 32, 32, 1); err != nil {
		t.Fatalf("blurhash %q does not decode: %v", h, err)
	}
}

func TestProcessJPEGStripsExifAndRotates(t *testing.T) {
	// 1200x800 landscape with a red block at the top-left; EXIF says
	// "rotate 90° clockwise" (6), so the upright image is 800x1200 with the
	// block at the top-right.
	src := photo(1200, 800)
	fill(src, image.Rect(0, 0, 200, 200), color.RGBA{255, 0, 0, 255})
	in := withExif(encodeJPEGT(t, src), 6)
	if !bytes.Contains(in, []byte("Exif\x00\x00")) || !bytes.Contains(in, gpsLatitude) {
		t.Fatal("fixture lacks EXIF/GPS")
	}
	if got := jpegOrientation(in); got != 6 {
		t.Fatalf("fixture orientation = %d", got)
	}

	p, err := Process(bytes.NewReader(in), Limits{}, "0.25,-0.5")
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != KindImage || p.ContentType != "image/jpeg" || p.Ext != ".jpg" || p.PreviewContentType != "image/jpeg" {
		t.Fatalf("got kind %s type %s ext %s preview %s", p.Kind, p.ContentType, p.Ext, p.PreviewContentType)
	}
	for _, b := range [][]byte{p.Original, p.Preview} {
		for _, bad := range [][]byte{[]byte("Exif"), []byte("MM\x00\x2a\x00\x00\x00\x08"), gpsLatitude} {
			if bytes.Contains(b, bad) {
				t.Errorf("output still contains %q", bad)
			}
		}
	}

	out := decodeT(t, p.Original)
	if b := out.Bounds(); b.Dx() != 800 || b.Dy() != 1200 {
		t.Fatalf("output is %v, want 800x1200", b)
	}
	if !isRed(out.At(700, 100)) {
		t.Errorf("pixel (700,100) = %v, want red (rotated top-left block)", out.At(700, 100))
	}
	if isRed(out.At(100, 100)) {
		t.Errorf("pixel (100,100) is red: not rotated clockwise")
	}

	want := Dimensions{Width: 800, Height: 1200, Size: "800x1200", Aspect: 800.0 / 1200}
	if *p.Meta.Original != want {
		t.Errorf("Meta.Original = %+v, want %+v", *p.Meta.Original, want)
	}
	wantSmall := Dimensions{Width: 427, Height: 640, Size: "427x640", Aspect: 427.0 / 640}
	if *p.Meta.Small != wantSmall {
		t.Errorf("Meta.Small = %+v, want %+v", *p.Meta.Small, wantSmall)
	}
	prev := decodeT(t, p.Preview)
	if b := prev.Bounds(); b.Dx() != 427 || b.Dy() != 640 {
		t.Errorf("preview is %v", b)
	}
	if !isRed(prev.At(400, 30)) {
		t.Errorf("preview pixel (400,30) = %v, want red", prev.At(400, 30))
	}
	if p.Meta.Focus == nil || *p.Meta.Focus != (Focus{0.25, -0.5}) {
		t.Errorf("focus = %+v", p.Meta.Focus)
	}
	checkBlurhash(t, p.Blurhash)
}

// side names where the stored image's first row / first column end up on
// display for each EXIF orientation (EXIF 2.3, tag 0x0112).
var orientationSides = map[int][2]string{
	1: {"top", "left"}, 2: {"top", "right"}, 3: {"bottom", "right"}, 4: {"bottom", "left"},
	5: {"left", "top"}, 6: {"right", "top"}, 7: {"right", "bottom"}, 8: {"left", "bottom"},
}

var oppositeSide = map[string]string{"top": "bottom", "bottom": "top", "left": "right", "right": "left"}

// cornerAfter returns the display corner ("top-left", …) where the stored
// pixel at the given ends of its row/column lands.
func cornerAfter(o int, lastRow, lastCol bool) string {
	rowSide, colSide := orientationSides[o][0], orientationSides[o][1]
	if lastRow {
		rowSide = oppositeSide[rowSide]
	}
	if lastCol {
		colSide = oppositeSide[colSide]
	}
	v, h := rowSide, colSide
	if v == "left" || v == "right" {
		v, h = h, v
	}
	return v + "-" + h
}

func cornerPoint(corner string, w, h, inset int) image.Point {
	p := image.Pt(inset, inset)
	if strings.HasSuffix(corner, "right") {
		p.X = w - 1 - inset
	}
	if strings.HasPrefix(corner, "bottom") {
		p.Y = h - 1 - inset
	}
	return p
}

func TestProcessAllOrientations(t *testing.T) {
	// 96x48 gray, red block at stored top-left, blue block at stored
	// top-right: two markers tell all eight orientations apart.
	const w, h, blk = 96, 48, 16
	src := image.NewRGBA(image.Rect(0, 0, w, h))
	fill(src, src.Bounds(), color.RGBA{128, 128, 128, 255})
	fill(src, image.Rect(0, 0, blk, blk), color.RGBA{255, 0, 0, 255})
	fill(src, image.Rect(w-blk, 0, w, blk), color.RGBA{0, 0, 255, 255})
	plain := encodeJPEGT(t, src)

	for o := 1; o <= 8; o++ {
		p, err := Process(bytes.NewReader(withExif(plain, uint16(o))), Limits{}, "")
		if err != nil {
			t.Fatalf("orientation %d: %v", o, err)
		}
		out := decodeT(t, p.Original)
		dw, dh := w, h
		if o >= 5 {
			dw, dh = h, w
		}
		if b := out.Bounds(); b.Dx() != dw || b.Dy() != dh {
			t.Errorf("orientation %d: size %v, want %dx%d", o, b, dw, dh)
			continue
		}
		red := cornerPoint(cornerAfter(o, false, false), dw, dh, blk/2)
		blue := cornerPoint(cornerAfter(o, false, true), dw, dh, blk/2)
		if !isRed(out.At(red.X, red.Y)) {
			t.Errorf("orientation %d: red not at %v (%s)", o, red, cornerAfter(o, false, false))
		}
		if !isBlue(out.At(blue.X, blue.Y)) {
			t.Errorf("orientation %d: blue not at %v (%s)", o, blue, cornerAfter(o, false, true))
		}
	}
}

func TestProcessPNG(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 800, 400))
	for y := range 400 {
		for x := range 800 {
			src.SetNRGBA(x, y, color.NRGBA{200, 50, 10, uint8(x * 255 / 799)})
		}
	}
	in := withPNGChunk(encodePNGT(t, src), "tEXt", []byte("Comment\x00secret location"))
	if _, err := png.Decode(bytes.NewReader(in)); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	p, err := Process(bytes.NewReader(in), Limits{PreviewSize: 200}, "")
	if err != nil {
		t.Fatal(err)
	}
	if p.ContentType != "image/png" || p.Ext != ".png" || p.PreviewContentType != "image/png" {
		t.Fatalf("types %s %s %s", p.ContentType, p.Ext, p.PreviewContentType)
	}
	if bytes.Contains(p.Original, []byte("secret location")) {
		t.Error("tEXt chunk survived")
	}
	out := decodeT(t, p.Original)
	if _, _, _, a := out.At(0, 10).RGBA(); a != 0 {
		t.Errorf("alpha at left = %d, want 0", a)
	}
	if _, _, _, a := out.At(799, 10).RGBA(); a != 0xffff {
		t.Errorf("alpha at right = %d, want opaque", a)
	}
	prev := decodeT(t, p.Preview)
	if b := prev.Bounds(); b.Dx() != 200 || b.Dy() != 100 {
		t.Errorf("preview %v", b)
	}
	if _, _, _, a := prev.At(0, 50).RGBA(); a > 0x1000 {
		t.Errorf("preview lost transparency: alpha %d", a)
	}
	checkBlurhash(t, p.Blurhash)
}

func TestProcessSmallImagePreviewReusesOriginal(t *testing.T) {
	p, err := Process(bytes.NewReader(encodeJPEGT(t, photo(300, 200))), Limits{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.Preview, p.Original) || *p.Meta.Small != *p.Meta.Original {
		t.Errorf("small JPEG: preview %d bytes vs original %d, small %+v", len(p.Preview), len(p.Original), p.Meta.Small)
	}
}

func TestProcessWebP(t *testing.T) {
	tests := []struct {
		name       string
		in         []byte
		wantType   string
		w, h       int
		alphaAtX0  bool // lossless alpha fixtures: column 0 is transparent
		checkColor bool
	}{
		{"lossless opaque", webpOpaqueLossless, "image/jpeg", 4, 3, false, true},
		{"lossy opaque", webpOpaqueLossy, "image/jpeg", 4, 3, false, false},
		{"lossless alpha", webpAlphaLossless, "image/png", 4, 3, true, false},
		{"lossy alpha", webpAlphaLossy, "image/png", 4, 3, true, false},
		{"exif orientation 6", webpExtended(0x08, 4, 3, webpOpaqueLossless[12:], riffChunk("EXIF", exifTIFF(6))), "image/jpeg", 3, 4, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ct, _, _ := Sniff(tt.in); ct != "image/webp" {
				t.Fatalf("sniff = %q", ct)
			}
			p, err := Process(bytes.NewReader(tt.in), Limits{}, "")
			if err != nil {
				t.Fatal(err)
			}
			if p.ContentType != tt.wantType || p.Ext != ExtFor(tt.wantType) {
				t.Fatalf("type %s ext %s, want %s", p.ContentType, p.Ext, tt.wantType)
			}
			out := decodeT(t, p.Original)
			if b := out.Bounds(); b.Dx() != tt.w || b.Dy() != tt.h {
				t.Fatalf("size %v, want %dx%d", b, tt.w, tt.h)
			}
			if tt.alphaAtX0 {
				if _, _, _, a := out.At(0, 1).RGBA(); a>>8 > 8 {
					t.Errorf("alpha at x=0 is %d", a>>8)
				}
				if _, _, _, a := out.At(3, 1).RGBA(); a>>8 < 200 {
					t.Errorf("alpha at x=3 is %d", a>>8)
				}
			}
			if tt.checkColor && (!isRed(out.At(1, 2)) || !isBlue(out.At(3, 2))) {
				t.Errorf("colors (1,2)=%v (3,2)=%v", out.At(1, 2), out.At(3, 2))
			}
			checkBlurhash(t, p.Blurhash)
		})
	}
}

// gifExtension encodes an extension block with one data sub-block.
func gifExtension(label byte, data []byte) []byte {
	return append(append([]byte{0x21, label, byte(len(data))}, data...), 0)
}

// afterGIFHeader inserts blocks after the header, screen descriptor and
// global color table.
func afterGIFHeader(b []byte, blocks ...[]byte) []byte {
	i := 13
	if b[10]&0x80 != 0 {
		i += 3 << (b[10]&7 + 1)
	}
	out := append([]byte{}, b[:i]...)
	for _, bl := range blocks {
		out = append(out, bl...)
	}
	return append(out, b[i:]...)
}

func animatedGIF(t *testing.T) []byte {
	t.Helper()
	pal := color.Palette{color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}, color.RGBA{0, 255, 0, 255}}
	g := &gif.GIF{LoopCount: 3}
	for i := range 3 {
		f := image.NewPaletted(image.Rect(0, 0, 40, 30), pal)
		for j := range f.Pix {
			f.Pix[j] = uint8(i)
		}
		g.Image = append(g.Image, f)
		g.Delay = append(g.Delay, 10*(i+1))
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestProcessAnimatedGIF(t *testing.T) {
	xmp := append([]byte{0x21, 0xFF, 11}, "XMP DataXMP"...)
	xmp = append(append(append(xmp, 12), "<x:xmpmeta/>"...), 0)
	in := afterGIFHeader(animatedGIF(t), gifExtension(0xFE, []byte("secret comment")), xmp)
	in = append(in, "trailing polyglot payload"...)
	if g, err := gif.DecodeAll(bytes.NewReader(in)); err != nil || len(g.Image) != 3 {
		t.Fatalf("fixture: %v", err)
	}

	p, err := Process(bytes.NewReader(in), Limits{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != KindImage || p.ContentType != "image/gif" || p.Ext != ".gif" {
		t.Fatalf("kind %s type %s ext %s", p.Kind, p.ContentType, p.Ext)
	}
	for _, s := range []string{"secret comment", "XMP DataXMP", "xmpmeta", "polyglot"} {
		if bytes.Contains(p.Original, []byte(s)) {
			t.Errorf("output still contains %q", s)
		}
	}
	g, err := gif.DecodeAll(bytes.NewReader(p.Original))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != 3 || g.LoopCount != 3 || g.Delay[2] != 30 {
		t.Errorf("frames %d loop %d delays %v", len(g.Image), g.LoopCount, g.Delay)
	}
	if *p.Meta.Original != *dims(40, 30) {
		t.Errorf("meta %+v", p.Meta.Original)
	}
	prev := decodeT(t, p.Preview)
	if !isRed(prev.At(20, 15)) {
		t.Errorf("preview is not the first frame: %v", prev.At(20, 15))
	}
	checkBlurhash(t, p.Blurhash)
}

func TestProcessGIFFirstFrameSmallerThanScreen(t *testing.T) {
	pal := color.Palette{color.Transparent, color.RGBA{0, 0, 255, 255}}
	f := image.NewPaletted(image.Rect(10, 10, 20, 20), pal)
	for i := range f.Pix {
		f.Pix[i] = 1
	}
	var buf bytes.Buffer
	err := gif.EncodeAll(&buf, &gif.GIF{Image: []*image.Paletted{f}, Delay: []int{0},
		Config: image.Config{ColorModel: pal, Width: 50, Height: 40}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := Process(&buf, Limits{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if *p.Meta.Original != *dims(50, 40) || *p.Meta.Small != *dims(50, 40) || p.PreviewContentType != "image/png" {
		t.Errorf("meta %+v %+v preview %s", p.Meta.Original, p.Meta.Small, p.PreviewContentType)
	}
	prev := decodeT(t, p.Preview)
	if !isBlue(prev.At(15, 15)) {
		t.Errorf("frame not placed at its offset: %v", prev.At(15, 15))
	}
}

// countingReader yields an endless stream after a prefix and counts reads.
type countingReader struct {
	prefix []byte
	n      int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		if r.n < int64(len(r.prefix)) {
			p[i] = r.prefix[r.n]
		} else {
			p[i] = 0
		}
		r.n++
	}
	return len(p), nil
}

// pngHeader is a PNG signature plus an IHDR claiming w×h RGBA; no pixels.
func pngHeader(w, h uint32) []byte {
	ihdr := []byte{byte(w >> 24), byte(w >> 16), byte(w >> 8), byte(w), byte(h >> 24), byte(h >> 16), byte(h >> 8), byte(h), 8, 6, 0, 0, 0}
	b := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr)...)
	b = append(b, pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(b, pngChunk("IEND", nil)...)
}

func TestProcessRefuses(t *testing.T) {
	jpg := encodeJPEGT(t, photo(64, 64))
	pngSmall := encodePNGT(t, photo(64, 64))
	gifBomb := []byte("GIF89a\xff\xff\xff\xff\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
	tests := []struct {
		name   string
		in     []byte
		limits Limits
		focus  string
		want   error
	}{
		{"empty", nil, Limits{}, "", ErrUnsupportedType},
		{"text", []byte("just some text, not an image"), Limits{}, "", ErrUnsupportedType},
		{"html", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), Limits{}, "", ErrUnsupportedType},
		{"svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), Limits{}, "", ErrUnsupportedType},
		{"bare svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), Limits{}, "", ErrUnsupportedType},
		{"pdf", []byte("%PDF-1.7\n"), Limits{}, "", ErrUnsupportedType},
		{"heic", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), Limits{}, "", ErrUnsupportedType},
		{"truncated jpeg", jpg[:len(jpg)/2], Limits{}, "", ErrInvalidMedia},
		{"jpeg header only", jpg[:20], Limits{}, "", ErrInvalidMedia},
		{"truncated png", pngSmall[:len(pngSmall)-40], Limits{}, "", ErrInvalidMedia},
		{"png bomb", pngHeader(100000, 100000), Limits{}, "", ErrTooManyPixels},
		{"png over pixel limit", pngSmall, Limits{MaxImagePixels: 64*64 - 1}, "", ErrTooManyPixels},
		{"gif bomb", gifBomb, Limits{}, "", ErrTooManyPixels},
		{"webp bomb", webpExtended(0, 16384, 16384, webpOpaqueLossless[12:]), Limits{}, "", ErrTooManyPixels},
		{"animated webp", webpExtended(0x02, 4, 3, webpOpaqueLossless[12:]), Limits{}, "", ErrUnsupportedType},
		{"webp vp8x/vp8l size mismatch", webpExtended(0, 40, 40, webpOpaqueLossless[12:]), Limits{}, "", ErrInvalidMedia},
		{"image over byte limit", pngSmall, Limits{MaxImageBytes: int64(len(pngSmall) - 1)}, "", ErrTooLarge},
		{"video over byte limit", append([]byte("\x00\x00\x00\x10ftypisom\x00\x00\x02\x00"), make([]byte, 100)...), Limits{MaxVideoBytes: 50}, "", ErrTooLarge},
		{"bad focus", jpg, Limits{}, "left", ErrBadFocus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Process(bytes.NewReader(tt.in), tt.limits, tt.focus)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, %v; want %v", p, err, tt.want)
			}
			if !IsInvalid(err) {
				t.Errorf("IsInvalid(%v) = false", err)
			}
		})
	}
}

func TestProcessPNGBombDoesNotAllocate(t *testing.T) {
	in := pngHeader(100000, 100000)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Process(bytes.NewReader(in), Limits{}, "")
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooManyPixels) {
		t.Fatal(err)
	}
	if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
		t.Errorf("allocated %d bytes for a refused header", d)
	}
}

func TestProcessReadsAtMostLimitPlusOne(t *testing.T) {
	for _, prefix := range []string{"\xFF\xD8\xFF\xE0", "\x00\x00\x00\x10ftypisom"} {
		r := &countingReader{prefix: []byte(prefix)}
		_, err := Process(r, Limits{MaxImageBytes: 1000, MaxVideoBytes: 3000}, "")
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("%q: %v", prefix, err)
		}
		limit := int64(1000)
		if prefix[0] == 0 {
			limit = 3000
		}
		if r.n > limit+1 {
			t.Errorf("%q: read %d bytes, limit %d", prefix, r.n, limit)
		}
	}
}

func TestProcessVideoAudioKeptAsIs(t *testing.T) {
	tests := []struct {
		in   string
		ct   string
		kind Kind
		ext  string
	}{
		{"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2rest-of-file", "video/mp4", KindVideo, ".mp4"},
		{"ID3\x04\x00\x00\x00\x00\x00\x00rest", "audio/mpeg", KindAudio, ".mp3"},
		{"fLaC\x00\x00\x00\x22rest", "audio/flac", KindAudio, ".flac"},
	}
	for _, tt := range tests {
		p, err := Process(strings.NewReader(tt.in), Limits{}, "0,1")
		if err != nil {
			t.Fatalf("%s: %v", tt.ct, err)
		}
		if p.ContentType != tt.ct || p.Kind != tt.kind || p.Ext != tt.ext || string(p.Original) != tt.in ||
			p.Preview != nil || p.Blurhash != "" || p.Meta.Focus == nil || p.Meta.Focus.Y != 1 {
			t.Errorf("%s: got %+v", tt.ct, p)
		}
	}
}

func TestParseFocus(t *testing.T) {
	tests := []struct {
		in   string
		want *Focus
		err  bool
	}{
		{"", nil, false},
		{"  ", nil, false},
		{"0,0", &Focus{0, 0}, false},
		{"0.5,-0.3", &Focus{0.5, -0.3}, false},
		{" 0.5 , -0.3 ", &Focus{0.5, -0.3}, false},
		{"2,-3", &Focus{1, -1}, false},
		{"-1.0,1.0", &Focus{-1, 1}, false},
		{"left", nil, true},
		{"1", nil, true},
		{"1,2,3", nil, true},
		{",", nil, true},
		{"0,", nil, true},
		{"NaN,0", nil, true},
		{"0,Inf", nil, true},
		{"1e400,0", nil, true},
	}
	for _, tt := range tests {
		got, err := ParseFocus(tt.in)
		if tt.err {
			if !errors.Is(err, ErrBadFocus) {
				t.Errorf("ParseFocus(%q) = %v, %v; want ErrBadFocus", tt.in, got, err)
			}
			continue
		}
		if err != nil || (got == nil) != (tt.want == nil) || (got != nil && *got != *tt.want) {
			t.Errorf("ParseFocus(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestScaleDownKeepsAspect(t *testing.T) {
	tests := []struct{ w, h, side, ww, wh int }{
		{2000, 1500, 640, 640, 480},
		{1500, 2000, 640, 480, 640},
		{5000, 10, 640, 640, 1},
		{641, 641, 640, 640, 640},
		{300, 200, 640, 300, 200},
	}
	for _, tt := range tests {
		img := image.NewGray(image.Rect(0, 0, tt.w, tt.h))
		out := scaleDown(img, tt.side, draw.ApproxBiLinear)
		if b := out.Bounds(); b.Dx() != tt.ww || b.Dy() != tt.wh {
			t.Errorf("%dx%d → %v, want %dx%d", tt.w, tt.h, b, tt.ww, tt.wh)
		}
		if (tt.w <= tt.side && tt.h <= tt.side) != (out == image.Image(img)) {
			t.Errorf("%dx%d: copied when it need not, or the reverse", tt.w, tt.h)
		}
	}
}

func BenchmarkProcessJPEG(b *testing.B) {
	plain := encodeJPEGT(b, photo(2000, 1500))
	for _, bc := range []struct {
		name string
		in   []byte
	}{
		{"upright", plain},
		{"exif-rotated", withExif(plain, 6)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.in)))
			for b.Loop() {
				if _, err := Process(bytes.NewReader(bc.in), Limits{}, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzProcess checks that no input makes the pipeline panic or return an
// error the API could not classify.
func FuzzProcess(f *testing.F) {
	f.Add(encodeJPEGT(f, photo(8, 6)))
	f.Add(withExif(encodeJPEGT(f, photo(8, 6)), 6))
	f.Add(encodePNGT(f, photo(8, 6)))
	f.Add(webpOpaqueLossless)
	f.Add(webpAlphaLossy)
	f.Add([]byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Process(bytes.NewReader(b), Limits{MaxImagePixels: 1 << 16, PreviewSize: 16}, "")
		if err != nil {
			if !IsInvalid(err) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		if p.Kind == KindImage && (p.Preview == nil || p.Blurhash == "" || p.Meta.Small.Width > 16 || p.Meta.Small.Height > 16) {
			t.Fatalf("incomplete result %+v", p.Meta)
		}
	})
}
