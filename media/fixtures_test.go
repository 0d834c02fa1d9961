package media

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"
)

// photo makes a deterministic photo-like image: smooth gradients plus noise,
// so JPEG has real work to do.
func photo(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			n := int(rng.IntN(32)) - 16
			m.SetRGBA(x, y, color.RGBA{
				clamp8(x*255/w + n),
				clamp8(y*255/h + n),
				clamp8((x+y)*127/(w+h) + 64 + n),
				255,
			})
		}
	}
	return m
}

func clamp8(v int) uint8 { return uint8(min(255, max(0, v))) }

func fill(m *image.RGBA, r image.Rectangle, c color.RGBA) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			m.SetRGBA(x, y, c)
		}
	}
}

func encodeJPEGT(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodePNGT(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// gpsLatitude is the GPSLatitude value written by exifTIFF (48°51'24"): its
// bytes must not survive processing.
var gpsLatitude = []byte{
	0, 0, 0, 48, 0, 0, 0, 1,
	0, 0, 0, 51, 0, 0, 0, 1,
	0, 0, 0x09, 0x60, 0, 0, 0, 100,
}

// exifTIFF builds a big-endian TIFF block: IFD0 with Orientation and a GPS
// IFD pointer; the GPS IFD with GPSLatitudeRef "N" and GPSLatitude.
func exifTIFF(orientation uint16) []byte {
	be := binary.BigEndian
	var t []byte
	t = append(t, 'M', 'M', 0, 42, 0, 0, 0, 8)
	// IFD0 at 8: 2 entries, ends at 8+2+24+4 = 38.
	t = be.AppendUint16(t, 2)
	t = be.AppendUint16(t, 0x0112) // Orientation
	t = be.AppendUint16(t, 3)      // SHORT
	t = be.AppendUint32(t, 1)
	t = be.AppendUint16(t, orientation)
	t = be.AppendUint16(t, 0)
	t = be.AppendUint16(t, 0x8825) // GPSInfo IFD pointer
	t = be.AppendUint16(t, 4)      // LONG
	t = be.AppendUint32(t, 1)
	t = be.AppendUint32(t, 38)
	t = be.AppendUint32(t, 0) // no IFD1
	// GPS IFD at 38: 2 entries, ends at 68, then the rationals.
	t = be.AppendUint16(t, 2)
	t = be.AppendUint16(t, 0x0001) // GPSLatitudeRef
	t = be.AppendUint16(t, 2)      // ASCII
	t = be.AppendUint32(t, 2)
	t = append(t, 'N', 0, 0, 0)
	t = be.AppendUint16(t, 0x0002) // GPSLatitude
	t = be.AppendUint16(t, 5)      // RATIONAL
	t = be.AppendUint32(t, 3)
	t = be.AppendUint32(t, 68)
	t = be.AppendUint32(t, 0)
	return append(t, gpsLatitude...)
}

// withExif splices an APP1 "Exif\0\0" segment right after the JPEG's SOI,
// where cameras put it.
func withExif(jpg []byte, orientation uint16) []byte {
	payload := append([]byte("Exif\x00\x00"), exifTIFF(orientation)...)
	seg := []byte{0xFF, 0xE1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(len(payload)+2))
	seg = append(seg, payload...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// pngChunk encodes one PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(c, typ...)
	c = append(c, data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// withPNGChunk inserts a chunk right after IHDR (8-byte signature + 25-byte IHDR).
func withPNGChunk(p []byte, typ string, data []byte) []byte {
	out := append([]byte{}, p[:33]...)
	out = append(out, pngChunk(typ, data)...)
	return append(out, p[33:]...)
}

// WebP fixtures made for these tests with cwebp 1.2.4 from 4x3 PNGs drawn
// by the test author: opaque = red left half, blue right half, green (0,0);
// alpha = red with alpha 0, 80, 160, 240 by column.
var (
	webpOpaqueLossless = []byte{
		0x52, 0x49, 0x46, 0x46, 0x2a, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50,
		0x56, 0x50, 0x38, 0x4c, 0x1e, 0x00, 0x00, 0x00, 0x2f, 0x03, 0x80, 0x00,
		0x00, 0x17, 0x20, 0x10, 0x48, 0xda, 0x1f, 0x7a, 0x8d, 0xf9, 0x17, 0x10,
		0x14, 0xf9, 0x3f, 0xda, 0xfc, 0x07, 0x5f, 0x0a, 0x9e, 0xa0, 0x10, 0xd1,
		0xff, 0x30,
	}
	webpAlphaLossless = []byte{
		0x52, 0x49, 0x46, 0x46, 0x1e, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50,
		0x56, 0x50, 0x38, 0x4c, 0x11, 0x00, 0x00, 0x00, 0x2f, 0x03, 0x80, 0x00,
		0x10, 0x1f, 0x10, 0xf3, 0x1f, 0x03, 0x15, 0xa9, 0x28, 0x79, 0x44, 0xff,
		0x03, 0x00,
	}
	webpOpaqueLossy = []byte{
		0x52, 0x49, 0x46, 0x46, 0x6e, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50,
		0x56, 0x50, 0x38, 0x20, 0x62, 0x00, 0x00, 0x00, 0xb0, 0x03, 0x00, 0x9d,
		0x01, 0x2a, 0x04, 0x00, 0x03, 0x00, 0x00, 0xc0, 0x12, 0x25, 0xb0, 0x02,
		0x74, 0xba, 0x01, 0xf8, 0x01, 0x46, 0x03, 0xf0, 0x02, 0xb0, 0x03, 0x28,
		0x03, 0xf4, 0x03, 0xac, 0x00, 0x1a, 0x9f, 0xdf, 0xd7, 0x90, 0x00, 0xfe,
		0xff, 0x11, 0xff, 0x59, 0x60, 0x58, 0x45, 0xe0, 0xd5, 0x5b, 0x21, 0xc7,
		0x82, 0x66, 0xff, 0xf7, 0x24, 0x7a, 0x4b, 0xea, 0xa1, 0xc7, 0xfa, 0xba,
		0x2f, 0xb9, 0x23, 0xd2, 0x5f, 0x55, 0x0e, 0x3f, 0xfd, 0x51, 0x37, 0xea,
		0xe6, 0x11, 0x63, 0xe7, 0x89, 0x13, 0xfc, 0xff, 0xcf, 0xea, 0x68, 0x09,
		0xc8, 0x9b, 0xdd, 0x0d, 0x28, 0xbe, 0x22, 0x00, 0x00, 0x00,
	}
	webpAlphaLossy = []byte{ // VP8X + ALPH + VP8
		0x52, 0x49, 0x46, 0x46, 0x66, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50,
		0x56, 0x50, 0x38, 0x58, 0x0a, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00,
		0x03, 0x00, 0x00, 0x02, 0x00, 0x00, 0x41, 0x4c, 0x50, 0x48, 0x0c, 0x00,
		0x00, 0x00, 0x01, 0x1f, 0x30, 0x50, 0x11, 0x11, 0x8e, 0x92, 0x47, 0xf4,
		0x3f, 0x00, 0x56, 0x50, 0x38, 0x20, 0x34, 0x00, 0x00, 0x00, 0x30, 0x02,
		0x00, 0x9d, 0x01, 0x2a, 0x04, 0x00, 0x03, 0x00, 0x00, 0xc0, 0x12, 0x25,
		0xa0, 0x02, 0x74, 0xba, 0x01, 0xf8, 0x01, 0xf8, 0x00, 0x04, 0x68, 0x00,
		0x00, 0xfe, 0xfa, 0x21, 0x97, 0xff, 0x77, 0x9a, 0xb0, 0xd3, 0x77, 0xf5,
		0xad, 0xff, 0xf5, 0xa3, 0x9f, 0xae, 0x89, 0xfe, 0xb4, 0x73, 0xff, 0x59,
		0x58, 0x00,
	}
)

// riffChunk encodes one RIFF chunk, padded to an even length.
func riffChunk(id string, data []byte) []byte {
	c := append([]byte(id), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
	c = append(c, data...)
	if len(data)%2 == 1 {
		c = append(c, 0)
	}
	return c
}

// webpExtended wraps chunks in RIFF/WEBP after a VP8X header for a w×h canvas.
func webpExtended(flags byte, w, h int, chunks ...[]byte) []byte {
	vp8x := []byte{flags, 0, 0, 0,
		byte(w - 1), byte((w - 1) >> 8), byte((w - 1) >> 16),
		byte(h - 1), byte((h - 1) >> 8), byte((h - 1) >> 16)}
	body := append([]byte("WEBP"), riffChunk("VP8X", vp8x)...)
	for _, c := range chunks {
		body = append(body, c...)
	}
	return append(append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...), body...)
}
