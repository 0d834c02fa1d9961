package media

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/draw"
)

// The EXIF orientation is read by hand: we need one tag from IFD0, and a
// full EXIF parser would be more code to trust with hostile input.

const tagOrientation = 0x0112

// jpegOrientation returns the EXIF Orientation (1–8) of a JPEG, 1 when it
// has none or the EXIF block is malformed.
func jpegOrientation(b []byte) int {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return 1
	}
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xFF {
			return 1
		}
		m := b[i+1]
		switch {
		case m == 0xFF: // fill byte before a marker
			i++
			continue
		case m == 0x01 || m == 0xD8 || (m >= 0xD0 && m <= 0xD7): // no length
			i += 2
			continue
		case m == 0xDA || m == 0xD9: // EXIF must come before the scan
			return 1
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return 1
		}
		seg := b[i+4 : i+2+n]
		if m == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return tiffOrientation(seg[6:])
		}
		i += 2 + n
	}
	return 1
}

// webpOrientation reads the EXIF chunk of an extended (VP8X) WebP.
func webpOrientation(b []byte) int {
	if len(b) < 12 {
		return 1
	}
	for i := 12; i+8 <= len(b); {
		n := int(binary.LittleEndian.Uint32(b[i+4:]))
		if n < 0 || n > len(b)-i-8 {
			return 1
		}
		if string(b[i:i+4]) == "EXIF" {
			// Some writers keep the JPEG-style prefix; the spec says bare TIFF.
			return tiffOrientation(bytes.TrimPrefix(b[i+8:i+8+n], []byte("Exif\x00\x00")))
		}
		i += 8 + n + n&1 // chunks are padded to an even length
	}
	return 1
}

// tiffOrientation finds the Orientation tag in IFD0 of a TIFF block.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	if bo.Uint16(t[2:]) != 42 {
		return 1
	}
	off := uint64(bo.Uint32(t[4:]))
	if off+2 > uint64(len(t)) {
		return 1
	}
	count := int(bo.Uint16(t[off:]))
	for k := range count {
		e := off + 2 + uint64(k)*12
		if e+12 > uint64(len(t)) {
			return 1
		}
		if bo.Uint16(t[e:]) != tagOrientation {
			continue
		}
		var v uint32
		switch bo.Uint16(t[e+2:]) { // field type
		case 3: // SHORT, the type the spec says
			v = uint32(bo.Uint16(t[e+8:]))
		case 4: // LONG, seen from sloppy writers
			v = bo.Uint32(t[e+8:])
		default:
			return 1
		}
		if v < 1 || v > 8 {
			return 1
		}
		return int(v)
	}
	return 1
}

// orient returns img turned upright according to an EXIF orientation.
// Orientations 5–8 swap width and height.
func orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	var (
		pix    []byte
		stride int
		bpp    int
		base   int
		mk     func(r image.Rectangle) (image.Image, []byte, int)
	)
	r := img.Bounds()
	switch m := img.(type) {
	case *image.Gray:
		pix, stride, bpp, base = m.Pix, m.Stride, 1, m.PixOffset(r.Min.X, r.Min.Y)
		mk = func(r image.Rectangle) (image.Image, []byte, int) { d := image.NewGray(r); return d, d.Pix, d.Stride }
	case *image.NRGBA:
		pix, stride, bpp, base = m.Pix, m.Stride, 4, m.PixOffset(r.Min.X, r.Min.Y)
		mk = func(r image.Rectangle) (image.Image, []byte, int) { d := image.NewNRGBA(r); return d, d.Pix, d.Stride }
	case *image.RGBA:
		pix, stride, bpp, base = m.Pix, m.Stride, 4, m.PixOffset(r.Min.X, r.Min.Y)
		mk = func(r image.Rectangle) (image.Image, []byte, int) { d := image.NewRGBA(r); return d, d.Pix, d.Stride }
	default:
		// YCbCr (chroma subsampled) and friends: converted a row at a time
		// and scattered, never as a whole intermediate copy.
		return orientRows(img, o)
	}

	w, h := r.Dx(), r.Dy()
	// Source pixel for destination (x, y) is (ax*x+bx*y+cx, ay*x+by*y+cy).
	var ax, ay, bx, by, cx, cy int
	switch o {
	case 2: // mirror horizontally
		ax, by, cx = -1, 1, w-1
	case 3: // rotate 180°
		ax, by, cx, cy = -1, -1, w-1, h-1
	case 4: // mirror vertically
		ax, by, cy = 1, -1, h-1
	case 5: // transpose
		ay, bx = 1, 1
	case 6: // rotate 90° clockwise
		ay, bx, cy = -1, 1, h-1
	case 7: // transverse
		ay, bx, cx, cy = -1, -1, w-1, h-1
	case 8: // rotate 90° counter-clockwise
		ay, bx, cx = 1, -1, w-1
	}
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst, dpix, dstride := mk(image.Rect(0, 0, dw, dh))
	step := ax*bpp + ay*stride
	for y := range dh {
		s := base + (by*y+cy)*stride + (bx*y+cx)*bpp
		d := dpix[y*dstride : y*dstride+dw*bpp]
		if bpp == 4 {
			for x := 0; x < len(d); x += 4 {
				copy(d[x:x+4], pix[s:s+4])
				s += step
			}
		} else {
			for x := range d {
				d[x] = pix[s]
				s += step
			}
		}
	}
	return dst
}

// isOpaque reports whether every pixel of img is fully opaque. Image types
// without an Opaque method (YCbCr, CMYK) have no alpha channel.
func isOpaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return true
}

// orientRows turns any image upright by converting one source row at a
// time to RGBA (NRGBA when it has alpha) and writing its pixels where they
// go: the only full-size buffer is the result.
func orientRows(img image.Image, o int) image.Image {
	r := img.Bounds()
	w, h := r.Dx(), r.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	var dst draw.Image
	var dpix []byte
	var row draw.Image
	var rpix []byte
	if isOpaque(img) {
		d, rw := image.NewRGBA(image.Rect(0, 0, dw, dh)), image.NewRGBA(image.Rect(0, 0, w, 1))
		dst, dpix, row, rpix = d, d.Pix, rw, rw.Pix
	} else {
		d, rw := image.NewNRGBA(image.Rect(0, 0, dw, dh)), image.NewNRGBA(image.Rect(0, 0, w, 1))
		dst, dpix, row, rpix = d, d.Pix, rw, rw.Pix
	}
	stride := 4 * dw
	for sy := range h {
		draw.Draw(row, row.Bounds(), img, image.Pt(r.Min.X, r.Min.Y+sy), draw.Src)
		// Destination of source (sx, sy) is (px*sx + qx, py*sx + qy).
		var px, qx, py, qy int
		switch o {
		case 2:
			px, qx, qy = -1, w-1, sy
		case 3:
			px, qx, qy = -1, w-1, h-1-sy
		case 4:
			px, qy = 1, h-1-sy
		case 5:
			qx, py = sy, 1
		case 6:
			qx, py = h-1-sy, 1
		case 7:
			qx, py, qy = h-1-sy, -1, w-1
		case 8:
			qx, py, qy = sy, -1, w-1
		}
		d := qy*stride + 4*qx
		step := py*stride + 4*px
		for sx := 0; sx < 4*w; sx += 4 {
			copy(dpix[d:d+4], rpix[sx:sx+4])
			d += step
		}
	}
	return dst
}
