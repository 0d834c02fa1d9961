package media

import (
	"image"
	"image/draw"
	"math"
)

// shrinker makes a preview by area averaging (a box filter): every source
// pixel is added, premultiplied, to the preview pixel it falls in, in any
// order. It needs memory for the preview only, so a preview is made from
// rows as they are decoded, and a large image never needs the
// intermediate buffer of a separable filter (x/image/draw's CatmullRom
// keeps previewWidth × sourceHeight × 32 bytes: 118 MB for 5760×5760).
type shrinker struct {
	sw, sh, dw, dh int
	// r, g, b, a sums per preview pixel, premultiplied 8-bit: a preview
	// pixel covers at most pixels/(dw·dh) source pixels (a few 10,000 for
	// the largest images), far from overflowing.
	sum []uint32
	n   []uint32
}

// previewSize is the size of the preview of a w×h image whose longest
// side is at most side, keeping the aspect ratio.
func previewSize(w, h, side int) (int, int) {
	if w <= side && h <= side {
		return w, h
	}
	if w >= h {
		return side, max(1, int(math.Round(float64(h)*float64(side)/float64(w))))
	}
	return max(1, int(math.Round(float64(w)*float64(side)/float64(h)))), side
}

func newShrinker(sw, sh, side int) *shrinker {
	dw, dh := previewSize(sw, sh, side)
	return &shrinker{sw: sw, sh: sh, dw: dw, dh: dh, sum: make([]uint32, 4*dw*dh), n: make([]uint32, dw*dh)}
}

// shrinkerBytes is the memory a shrinker for a preview of side needs.
func shrinkerBytes(side int) int64 { return int64(side) * int64(side) * (4*4 + 4 + 4) }

// addRow adds the pixels of source row y at x0, x0+dx, x0+2·dx …; pix is
// premultiplied RGBA, 8 bits per channel (image.RGBA's layout).
func (s *shrinker) addRow(y, x0, dx int, pix []byte) {
	if y < 0 || y >= s.sh {
		return
	}
	row := (y * s.dh / s.sh) * s.dw
	for i, x := 0, x0; i+4 <= len(pix) && x < s.sw; i, x = i+4, x+dx {
		c := row + x*s.dw/s.sw
		p := pix[i : i+4 : i+4]
		s.sum[4*c] += uint32(p[0])
		s.sum[4*c+1] += uint32(p[1])
		s.sum[4*c+2] += uint32(p[2])
		s.sum[4*c+3] += uint32(p[3])
		s.n[c]++
	}
}

// addImage adds a whole decoded image, converting one row at a time.
func (s *shrinker) addImage(img image.Image) {
	b := img.Bounds()
	if m, ok := img.(*image.RGBA); ok {
		for y := range b.Dy() {
			off := m.PixOffset(b.Min.X, b.Min.Y+y)
			s.addRow(y, 0, 1, m.Pix[off:off+4*b.Dx()])
		}
		return
	}
	row := image.NewRGBA(image.Rect(0, 0, b.Dx(), 1))
	for y := range b.Dy() {
		draw.Draw(row, row.Bounds(), img, image.Pt(b.Min.X, b.Min.Y+y), draw.Src)
		s.addRow(y, 0, 1, row.Pix)
	}
}

// image returns the preview.
func (s *shrinker) image() *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, s.dw, s.dh))
	for c, n := range s.n {
		if n == 0 {
			continue
		}
		for k := range 4 {
			out.Pix[4*c+k] = uint8((s.sum[4*c+k] + n/2) / n)
		}
	}
	return out
}

// preview returns img itself when it is within side, else its preview.
func preview(img image.Image, side int) image.Image {
	b := img.Bounds()
	if b.Dx() <= side && b.Dy() <= side {
		return img
	}
	s := newShrinker(b.Dx(), b.Dy(), side)
	s.addImage(img)
	return s.image()
}
