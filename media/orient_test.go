package media

import (
	"encoding/binary"
	"image"
	"image/color"
	"testing"
)

// tiff builds a minimal TIFF with one IFD0 entry.
func tiff(bo binary.AppendByteOrder, tag, typ uint16, value uint32) []byte {
	var t []byte
	if bo == binary.AppendByteOrder(binary.LittleEndian) {
		t = append(t, 'I', 'I')
	} else {
		t = append(t, 'M', 'M')
	}
	t = bo.AppendUint16(t, 42)
	t = bo.AppendUint32(t, 8)
	t = bo.AppendUint16(t, 1)
	t = bo.AppendUint16(t, tag)
	t = bo.AppendUint16(t, typ)
	t = bo.AppendUint32(t, 1)
	if typ == 3 {
		t = bo.AppendUint16(t, uint16(value))
		t = bo.AppendUint16(t, 0)
	} else {
		t = bo.AppendUint32(t, value)
	}
	return bo.AppendUint32(t, 0)
}

func TestTIFFOrientation(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	tests := []struct {
		name string
		in   []byte
		want int
	}{
		{"LE short 6", tiff(le, 0x0112, 3, 6), 6},
		{"BE short 8", tiff(be, 0x0112, 3, 8), 8},
		{"LE long 3", tiff(le, 0x0112, 4, 3), 3},
		{"BE long 5", tiff(be, 0x0112, 4, 5), 5},
		{"zero", tiff(le, 0x0112, 3, 0), 1},
		{"nine", tiff(le, 0x0112, 3, 9), 1},
		{"wrong type", tiff(le, 0x0112, 2, 6), 1},
		{"other tag", tiff(le, 0x010F, 3, 6), 1},
		{"with GPS", exifTIFF(7), 7},
		{"bad magic", []byte("II\x2b\x00\x08\x00\x00\x00"), 1},
		{"bad byte order", []byte("XX\x00\x2a\x00\x00\x00\x08"), 1},
		{"IFD offset past end", []byte("MM\x00\x2a\xff\xff\xff\xf0"), 1},
		{"empty", nil, 1},
	}
	for _, tt := range tests {
		if got := tiffOrientation(tt.in); got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, got, tt.want)
		}
	}
	// Every truncation of a valid block must be handled without panicking.
	full := exifTIFF(6)
	for n := range full {
		if got := tiffOrientation(full[:n]); got != 1 && got != 6 {
			t.Errorf("truncated to %d: %d", n, got)
		}
	}
}

func TestJPEGOrientation(t *testing.T) {
	app := func(marker byte, payload string) string {
		n := len(payload) + 2
		return "\xff" + string([]byte{marker}) + string([]byte{byte(n >> 8), byte(n)}) + payload
	}
	exif := "Exif\x00\x00" + string(tiff(binary.BigEndian, 0x0112, 3, 6))
	tests := []struct {
		name string
		in   string
		want int
	}{
		{"app1 first", "\xff\xd8" + app(0xE1, exif) + "\xff\xda", 6},
		{"after app0", "\xff\xd8" + app(0xE0, "JFIF\x00\x01\x02") + app(0xE1, exif) + "\xff\xda", 6},
		{"fill bytes", "\xff\xd8\xff\xff\xff" + app(0xE1, exif)[1:] + "\xff\xda", 6},
		{"xmp app1 first", "\xff\xd8" + app(0xE1, "http://ns.adobe.com/xap/1.0/\x00<x/>") + app(0xE1, exif), 6},
		{"none", "\xff\xd8" + app(0xE0, "JFIF\x00") + "\xff\xda", 1},
		{"after scan", "\xff\xd8\xff\xda" + app(0xE1, exif), 1},
		{"segment past end", "\xff\xd8\xff\xe1\xff\xff" + exif, 1},
		{"not jpeg", "\x89PNG" + app(0xE1, exif), 1},
		{"garbage between segments", "\xff\xd8\x00\x00" + app(0xE1, exif), 1},
	}
	for _, tt := range tests {
		if got := jpegOrientation([]byte(tt.in)); got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestWebPOrientation(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want int
	}{
		{"exif chunk", webpExtended(0x08, 4, 3, riffChunk("ICCP", []byte("x")), riffChunk("EXIF", exifTIFF(8))), 8},
		{"exif with jpeg prefix", webpExtended(0x08, 4, 3, riffChunk("EXIF", append([]byte("Exif\x00\x00"), exifTIFF(3)...))), 3},
		{"no exif", webpOpaqueLossless, 1},
		{"chunk size past end", append(webpExtended(0, 4, 3), "EXIF\xff\xff\xff\x7f"...), 1},
	}
	for _, tt := range tests {
		if got := webpOrientation(tt.in); got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestOrient checks every orientation on every pixel layout against the
// EXIF definition (where row 0 / column 0 go), using a corner marker image.
func TestOrient(t *testing.T) {
	const w, h = 5, 3
	colorAt := func(x, y int) color.RGBA { return color.RGBA{uint8(10 + x), uint8(20 + y), 0, 255} }
	base := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			base.SetRGBA(x, y, colorAt(x, y))
		}
	}
	offset := image.NewRGBA(image.Rect(0, 0, w+3, h+2)) // exercises a non-zero Rect.Min
	for y := range h {
		for x := range w {
			offset.SetRGBA(x+2, y+1, colorAt(x, y))
		}
	}
	nrgba := image.NewNRGBA(base.Bounds())
	gray := image.NewGray(base.Bounds())
	ycc := image.NewYCbCr(base.Bounds(), image.YCbCrSubsampleRatio444)
	for y := range h {
		for x := range w {
			c := colorAt(x, y)
			nrgba.SetNRGBA(x, y, color.NRGBA{c.R, c.G, c.B, 255})
			gray.SetGray(x, y, color.Gray{uint8(10*y + x)})
			yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
			ycc.Y[ycc.YOffset(x, y)], ycc.Cb[ycc.COffset(x, y)], ycc.Cr[ycc.COffset(x, y)] = yy, cb, cr
		}
	}
	srcs := map[string]image.Image{
		"rgba": base, "offset": offset.SubImage(image.Rect(2, 1, 2+w, 1+h)),
		"nrgba": nrgba, "gray": gray, "ycbcr": ycc,
	}
	for name, src := range srcs {
		for o := 1; o <= 8; o++ {
			out := orient(src, o)
			dw, dh := w, h
			if o >= 5 {
				dw, dh = h, w
			}
			if b := out.Bounds(); b.Dx() != dw || b.Dy() != dh {
				t.Errorf("%s/%d: bounds %v", name, o, b)
				continue
			}
			sb := src.Bounds()
			for _, c := range []struct{ lastRow, lastCol bool }{{false, false}, {false, true}, {true, false}, {true, true}} {
				sx, sy := sb.Min.X, sb.Min.Y
				if c.lastCol {
					sx = sb.Max.X - 1
				}
				if c.lastRow {
					sy = sb.Max.Y - 1
				}
				p := cornerPoint(cornerAfter(o, c.lastRow, c.lastCol), dw, dh, 0)
				ob := out.Bounds()
				want := color.RGBAModel.Convert(src.At(sx, sy))
				got := color.RGBAModel.Convert(out.At(ob.Min.X+p.X, ob.Min.Y+p.Y))
				if !closeColor(got, want) {
					t.Errorf("%s/%d: stored (%d,%d) should be at %v: got %v want %v", name, o, sx, sy, p, got, want)
				}
			}
		}
	}
}

func closeColor(a, b color.Color) bool {
	ar, ag, ab, aa := a.RGBA()
	br, bg, bb, ba := b.RGBA()
	d := func(x, y uint32) bool { return x>>8 <= y>>8+2 && y>>8 <= x>>8+2 }
	return d(ar, br) && d(ag, bg) && d(ab, bb) && d(aa, ba)
}

func FuzzJPEGOrientation(f *testing.F) {
	f.Add([]byte("\xff\xd8\xff\xe1\x00\x08Exif\x00\x00"))
	f.Add(withExif([]byte("\xff\xd8\xff\xd9"), 6))
	f.Fuzz(func(t *testing.T, b []byte) {
		if o := jpegOrientation(b); o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
		if o := webpOrientation(b); o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
	})
}
