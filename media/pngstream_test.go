package media

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

// rawPNG builds a PNG from samples (one []byte row of packed samples per
// image row, as PNG stores them before filtering) with filter 0, Adam7
// interlaced when asked; extra chunks go before IDAT. image/png cannot
// write most of these shapes, but it reads them all: it is the reference.
func rawPNG(t testing.TB, w, h, depth, colorType int, interlace bool, sample func(x, y, c int) uint16, extra ...[]byte) []byte {
	t.Helper()
	channels := map[int]int{0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colorType]
	var raw bytes.Buffer
	passes := [][4]int{{0, 0, 1, 1}}
	if interlace {
		passes = adam7[:]
	}
	for _, p := range passes {
		pw, ph := (w-p[0]+p[2]-1)/p[2], (h-p[1]+p[3]-1)/p[3]
		if pw <= 0 || ph <= 0 {
			continue
		}
		for j := range ph {
			row := make([]byte, (pw*channels*depth+7)/8)
			for i := range pw {
				for c := range channels {
					v := sample(p[0]+i*p[2], p[1]+j*p[3], c)
					k := i*channels + c
					switch depth {
					case 16:
						binary.BigEndian.PutUint16(row[2*k:], v)
					case 8:
						row[k] = byte(v)
					default:
						row[k*depth/8] |= byte(v) << (8 - depth - (k*depth)%8)
					}
				}
			}
			raw.WriteByte(0)
			raw.Write(row)
		}
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(raw.Bytes())
	zw.Close()
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = byte(depth), byte(colorType)
	if interlace {
		ihdr[12] = 1
	}
	out := append([]byte(pngSignature), pngChunk("IHDR", ihdr)...)
	for _, c := range extra {
		out = append(out, c...)
	}
	out = append(out, pngChunk("IDAT", z.Bytes())...)
	return append(out, pngChunk("IEND", nil)...)
}

// streamAll decodes a PNG with streamPNG into a full-size RGBA.
func streamAll(data []byte) (*image.RGBA, error) {
	chunks, err := pngChunks(data)
	if err != nil {
		return nil, err
	}
	info, err := parsePNGInfo(chunks)
	if err != nil {
		return nil, err
	}
	out := image.NewRGBA(image.Rect(0, 0, info.width, info.height))
	err = streamPNG(info, chunks, func(y, x0, dx int, pix []byte) {
		for i, x := 0, x0; i < len(pix); i, x = i+4, x+dx {
			copy(out.Pix[out.PixOffset(x, y):], pix[i:i+4])
		}
	})
	return out, err
}

// samePixels compares the streamed decode with image/png's, pixel by pixel.
func samePixels(t *testing.T, name string, data []byte) {
	t.Helper()
	want, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: image/png: %v", name, err)
	}
	got, err := streamAll(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if got.Bounds() != want.Bounds() {
		t.Fatalf("%s: bounds %v, want %v", name, got.Bounds(), want.Bounds())
	}
	b := want.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := want.At(x, y).RGBA()
			w := [4]uint8{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), uint8(a >> 8)}
			o := got.PixOffset(x, y)
			if g := [4]uint8(got.Pix[o : o+4]); g != w {
				t.Fatalf("%s (%T): pixel (%d,%d) = %v, image/png says %v", name, want, x, y, g, w)
			}
		}
	}
}

func TestStreamPNGMatchesImagePNG(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const w, h = 37, 23 // odd sizes: partial bytes, partial interlace passes
	noisy := func(m interface{ Set(int, int, color.Color) }, c func() color.Color) {
		for y := range h {
			for x := range w {
				m.Set(x, y, c())
			}
		}
	}
	byte8 := func() uint8 { return uint8(rng.IntN(256)) }
	word := func() uint16 { return uint16(rng.IntN(65536)) }
	gray, gray16 := image.NewGray(image.Rect(0, 0, w, h)), image.NewGray16(image.Rect(0, 0, w, h))
	noisy(gray, func() color.Color { return color.Gray{byte8()} })
	noisy(gray16, func() color.Color { return color.Gray16{word()} })
	rgb, nrgba := image.NewRGBA(image.Rect(0, 0, w, h)), image.NewNRGBA(image.Rect(0, 0, w, h))
	noisy(rgb, func() color.Color { return color.RGBA{byte8(), byte8(), byte8(), 0xff} })
	noisy(nrgba, func() color.Color { return color.NRGBA{byte8(), byte8(), byte8(), byte8()} })
	rgb16, nrgba64 := image.NewRGBA64(image.Rect(0, 0, w, h)), image.NewNRGBA64(image.Rect(0, 0, w, h))
	noisy(rgb16, func() color.Color { return color.RGBA64{word(), word(), word(), 0xffff} })
	noisy(nrgba64, func() color.Color { return color.NRGBA64{word(), word(), word(), word()} })
	// image/png encodes these with every filter type, and paletted images
	// with 1, 2, 4 and 8 bits per pixel, transparency in tRNS.
	cases := map[string]image.Image{"gray": gray, "gray16": gray16, "rgb": rgb, "rgba": nrgba, "rgb16": rgb16, "rgba16": nrgba64}
	for _, n := range []int{2, 4, 16, 200} {
		pal := make(color.Palette, n)
		for i := range pal {
			pal[i] = color.NRGBA{byte8(), byte8(), byte8(), byte8()}
		}
		m := image.NewPaletted(image.Rect(0, 0, w, h), pal)
		for i := range m.Pix {
			m.Pix[i] = uint8(rng.IntN(n))
		}
		cases["palette"+string(rune('0'+len(cases)))] = m
	}
	for name, img := range cases {
		samePixels(t, name, encodePNGT(t, img))
	}

	// Shapes image/png does not write: interlaced, gray with alpha, low
	// bit depths of gray, tRNS on gray and RGB, indices past the palette.
	rnd := func(depth int) func(x, y, c int) uint16 {
		return func(x, y, c int) uint16 { return uint16(rng.IntN(1 << depth)) }
	}
	for _, interlace := range []bool{false, true} {
		for _, ct := range []struct{ colorType, depth int }{
			{0, 1}, {0, 2}, {0, 4}, {0, 8}, {0, 16}, {2, 8}, {2, 16}, {4, 8}, {4, 16}, {6, 8}, {6, 16}, {3, 1}, {3, 2}, {3, 4}, {3, 8},
		} {
			var extra [][]byte
			if ct.colorType == 3 {
				// A palette of 3 (indices past it are opaque black; 2 at one
				// bit per pixel), 2 with alpha.
				plte := []byte{255, 0, 0, 0, 255, 0, 0, 0, 255}
				if ct.depth == 1 {
					plte = plte[:6]
				}
				extra = append(extra, pngChunk("PLTE", plte), pngChunk("tRNS", []byte{0x80, 0}))
			}
			for _, sz := range [][2]int{{w, h}, {1, 1}, {3, 9}, {9, 3}} {
				name := strings.Join([]string{"ct", string(rune('0' + ct.colorType)), "d", string(rune('0' + ct.depth%10))}, "")
				if interlace {
					name += " interlaced"
				}
				samePixels(t, name, rawPNG(t, sz[0], sz[1], ct.depth, ct.colorType, interlace, rnd(ct.depth), extra...))
			}
		}
	}
	// tRNS on gray and RGB: one colour is transparent.
	grayT := rawPNG(t, 8, 8, 8, 0, false, func(x, y, c int) uint16 { return uint16((x + y) % 3) }, pngChunk("tRNS", []byte{0, 1}))
	samePixels(t, "gray tRNS", grayT)
	rgbT := rawPNG(t, 8, 8, 16, 2, true, func(x, y, c int) uint16 { return uint16((x + y + c) % 2) }, pngChunk("tRNS", []byte{0, 1, 0, 0, 0, 1}))
	samePixels(t, "rgb16 tRNS", rgbT)
}

func TestStreamPNGRefusesDamage(t *testing.T) {
	good := encodePNGT(t, photo(40, 30))
	chunks, err := pngChunks(good)
	if err != nil {
		t.Fatal(err)
	}
	idat := chunks[1]
	flip := func(i int) []byte { b := bytes.Clone(good); b[i] ^= 0x40; return b }
	// A valid CRC over damaged pixel data.
	recrc := func(b []byte, c pngChunkRef) []byte {
		binary.BigEndian.PutUint32(b[c.end-4:], crc32.ChecksumIEEE(b[c.start+4:c.end-4]))
		return b
	}
	badFilter := rawPNG(t, 4, 4, 8, 0, false, func(x, y, c int) uint16 { return 7 })
	bc, _ := pngChunks(badFilter)
	{ // the first row's filter byte is the first byte of the inflated data: rebuild with filter 9
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		zw.Write([]byte{9, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4})
		zw.Close()
		badFilter = append(append(append([]byte(nil), badFilter[:bc[1].start]...), pngChunk("IDAT", z.Bytes())...), pngChunk("IEND", nil)...)
	}
	tooMuch := func() []byte {
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		zw.Write(make([]byte, 5*4+10)) // 4 rows of 1+4 bytes, then more
		zw.Close()
		b := rawPNG(t, 4, 4, 8, 0, false, func(x, y, c int) uint16 { return 0 })
		c, _ := pngChunks(b)
		return append(append(append([]byte(nil), b[:c[1].start]...), pngChunk("IDAT", z.Bytes())...), pngChunk("IEND", nil)...)
	}()
	cases := map[string][]byte{
		"bad CRC":            flip(idat.start + 20),
		"damaged pixel data": recrc(flip(idat.start+20), idat),
		"truncated":          good[:idat.end-10],
		"no IEND":            good[:chunks[len(chunks)-1].start],
		"bad filter":         badFilter,
		"too much data":      tooMuch,
		"depth 3":            rawPNGHeaderOnly(4, 4, 3, 0),
		"rgb depth 4":        rawPNGHeaderOnly(4, 4, 4, 2),
		"palette missing":    rawPNG(t, 4, 4, 8, 3, false, func(x, y, c int) uint16 { return 0 }),
	}
	for name, data := range cases {
		if _, err := streamAll(data); !errors.Is(err, ErrInvalidMedia) {
			t.Errorf("%s: %v, want ErrInvalidMedia", name, err)
		}
		if _, err := Process(bytes.NewReader(data), Limits{}, ""); !IsInvalid(err) {
			t.Errorf("%s: Process: %v, want an invalid upload", name, err)
		}
	}
}

func rawPNGHeaderOnly(w, h, depth, colorType int) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = byte(depth), byte(colorType)
	b := append([]byte(pngSignature), pngChunk("IHDR", ihdr)...)
	b = append(b, pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(b, pngChunk("IEND", nil)...)
}

// The stored PNG is the upload minus its metadata and APNG frames: the
// same pixels, none of the text, nothing after IEND.
func TestProcessPNGOriginalWithoutMetadata(t *testing.T) {
	pal := color.Palette{color.NRGBA{255, 0, 0, 255}, color.NRGBA{0, 0, 255, 0x40}}
	src := image.NewPaletted(image.Rect(0, 0, 700, 300), pal)
	for i := range src.Pix {
		src.Pix[i] = uint8(i % 2)
	}
	in := encodePNGT(t, src)
	for _, c := range []struct{ typ, data string }{
		{"tEXt", "Comment\x00secret location"}, {"iTXt", "XML:com.adobe.xmp\x00\x00\x00\x00\x00<x:gps>secret</x:gps>"},
		{"eXIf", "MM\x00*secret camera"}, {"tIME", "\x07\xe9\x01\x02\x03\x04\x05"}, {"acTL", "\x00\x00\x00\x02\x00\x00\x00\x00"},
	} {
		in = withPNGChunk(in, c.typ, []byte(c.data))
	}
	in = append(in, "trailing secret"...)
	p, err := Process(bytes.NewReader(in), Limits{}, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"secret", "tEXt", "iTXt", "eXIf", "tIME", "acTL"} {
		if bytes.Contains(p.Original, []byte(s)) {
			t.Errorf("%q survived", s)
		}
	}
	if !bytes.HasSuffix(p.Original, pngChunk("IEND", nil)) || p.ContentType != "image/png" || *p.Meta.Original != *dims(700, 300) {
		t.Errorf("original: %s, %+v", p.ContentType, p.Meta.Original)
	}
	samePixels(t, "original", p.Original)
	out := decodeT(t, p.Original)
	if r, g, b, a := out.At(1, 0).RGBA(); a>>8 != 0x40 || b == 0 || r != 0 || g != 0 {
		t.Errorf("transparency lost: %d %d %d %d", r, g, b, a)
	}
}

// The decoded pixels of a large PNG are never all in memory: processing a
// 4000×4000 one allocates a small fraction of its 64 MB of pixels (it was
// 64 MB decoded, 82 MB of scaling buffers, and a re-encoded copy).
func TestProcessLargePNGAllocatesLittle(t *testing.T) {
	in := encodePNGT(t, image.NewNRGBA(image.Rect(0, 0, 4000, 4000)))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	p, err := Process(bytes.NewReader(in), Limits{}, "")
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if d := after.TotalAlloc - before.TotalAlloc; d > 24<<20 {
		t.Errorf("allocated %d MB for a 4000×4000 PNG", d>>20)
	}
	if *p.Meta.Small != *dims(640, 640) || p.PreviewContentType != "image/png" {
		t.Errorf("preview %+v %s", p.Meta.Small, p.PreviewContentType)
	}
}

func FuzzStreamPNG(f *testing.F) {
	f.Add(encodePNGT(f, photo(9, 7)))
	f.Add(rawPNG(f, 5, 3, 2, 0, true, func(x, y, c int) uint16 { return uint16(x+y) % 4 }))
	f.Add(rawPNG(f, 5, 3, 4, 3, false, func(x, y, c int) uint16 { return uint16(x) }, pngChunk("PLTE", []byte{1, 2, 3})))
	f.Fuzz(func(t *testing.T, data []byte) {
		chunks, err := pngChunks(data)
		if err != nil {
			return
		}
		info, err := parsePNGInfo(chunks)
		if err != nil || int64(info.width)*int64(info.height) > 1<<20 || info.width > 4096 {
			return
		}
		streamPNG(info, chunks, func(int, int, int, []byte) {})
	})
}
