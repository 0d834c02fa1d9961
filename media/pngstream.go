package media

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// A PNG is read here without holding its pixels: rows are unfiltered one at
// a time and handed on (to a shrinker, for the preview), and the original
// is kept as uploaded minus every ancillary chunk but tRNS, which strips
// the metadata (tEXt, zTXt, iTXt, eXIf, iCCP, tIME …) that decoding and
// re-encoding used to strip, for a few hundred kilobytes instead of
// width × height × 4 to 8 bytes. APNG frames (acTL, fcTL, fdAT) go as
// well: what remains is the default image.

const pngSignature = "\x89PNG\r\n\x1a\n"

// pngHeader is what IHDR, PLTE and tRNS say about the pixels.
type pngInfo struct {
	width, height int
	depth         int // bits per sample
	colorType     int // 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA
	interlaced    bool
	palette       [][4]uint8 // NRGBA, for colour type 3
	trns          []byte     // tRNS as stored
}

// pngChunkRef is one chunk of the file.
type pngChunkRef struct {
	typ        string
	start, end int // the whole chunk: length, type, data and CRC
	data       []byte
}

func errPNG(format string, args ...any) error {
	return fmt.Errorf("%w: png: %s", ErrInvalidMedia, fmt.Sprintf(format, args...))
}

// pngChunks checks the signature, the chunk framing and every CRC, and
// returns the chunks up to IEND.
func pngChunks(data []byte) ([]pngChunkRef, error) {
	if !bytes.HasPrefix(data, []byte(pngSignature)) {
		return nil, errPNG("not a PNG")
	}
	var out []pngChunkRef
	for i := len(pngSignature); ; {
		if i+12 > len(data) {
			return nil, errPNG("truncated")
		}
		n := binary.BigEndian.Uint32(data[i:])
		if n > 1<<31-1 || int64(n) > int64(len(data)-i-12) {
			return nil, errPNG("truncated chunk")
		}
		end := i + 12 + int(n)
		typ := string(data[i+4 : i+8])
		if crc32.ChecksumIEEE(data[i+4:end-4]) != binary.BigEndian.Uint32(data[end-4:]) {
			return nil, errPNG("bad checksum in %q", typ)
		}
		out = append(out, pngChunkRef{typ: typ, start: i, end: end, data: data[i+8 : end-4]})
		if typ == "IEND" {
			return out, nil
		}
		i = end
	}
}

// parsePNGInfo reads IHDR, PLTE and tRNS.
func parsePNGInfo(chunks []pngChunkRef) (*pngInfo, error) {
	if len(chunks) == 0 || chunks[0].typ != "IHDR" || len(chunks[0].data) != 13 {
		return nil, errPNG("no header")
	}
	h := chunks[0].data
	w, ht := binary.BigEndian.Uint32(h[0:]), binary.BigEndian.Uint32(h[4:])
	info := &pngInfo{width: int(w), height: int(ht), depth: int(h[8]), colorType: int(h[9]), interlaced: h[12] == 1}
	if w == 0 || ht == 0 || w > 1<<31-1 || ht > 1<<31-1 || h[10] != 0 || h[11] != 0 || h[12] > 1 {
		return nil, errPNG("bad header")
	}
	valid := map[int][]int{0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}
	ok := false
	for _, d := range valid[info.colorType] {
		ok = ok || d == info.depth
	}
	if !ok {
		return nil, errPNG("colour type %d with bit depth %d", info.colorType, info.depth)
	}
	for _, c := range chunks[1:] {
		switch c.typ {
		case "PLTE":
			if len(c.data)%3 != 0 || len(c.data) == 0 || len(c.data)/3 > 256 {
				return nil, errPNG("bad palette")
			}
			if info.colorType == 3 {
				info.palette = make([][4]uint8, len(c.data)/3)
				for k := range info.palette {
					info.palette[k] = [4]uint8{c.data[3*k], c.data[3*k+1], c.data[3*k+2], 0xff}
				}
			}
		case "tRNS":
			info.trns = c.data
		case "IDAT":
			if info.colorType == 3 && info.palette == nil {
				return nil, errPNG("no palette")
			}
			for k, a := range info.trns {
				if info.colorType == 3 && k < len(info.palette) {
					info.palette[k][3] = a
				}
			}
			return info, nil
		}
	}
	return nil, errPNG("no image data")
}

// cleanPNG rewrites data in place without its ancillary chunks (tRNS
// kept) and anything after IEND, and returns the shortened slice.
func cleanPNG(data []byte, chunks []pngChunkRef) []byte {
	n := len(pngSignature)
	for _, c := range chunks {
		switch c.typ {
		case "IHDR", "PLTE", "tRNS", "IDAT", "IEND":
			// Moving left never overwrites what is still to be copied.
			n += copy(data[n:], data[c.start:c.end])
		}
	}
	return data[:n]
}

// idatReader reads the concatenated data of the IDAT chunks.
type idatReader struct {
	chunks []pngChunkRef
	cur    []byte
}

func (r *idatReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		for len(r.chunks) > 0 && r.chunks[0].typ != "IDAT" {
			r.chunks = r.chunks[1:]
		}
		if len(r.chunks) == 0 {
			return 0, io.EOF
		}
		r.cur, r.chunks = r.chunks[0].data, r.chunks[1:]
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// adam7 are the interlace passes: start x, start y, step x, step y.
var adam7 = [7][4]int{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}}

// streamPNG decodes the pixels of a PNG row by row and hands each row to
// emit as premultiplied RGBA, 8 bits per channel, with where its pixels
// go: row y, columns x0, x0+dx … (interlaced rows are sparse).
func streamPNG(info *pngInfo, chunks []pngChunkRef, emit func(y, x0, dx int, pix []byte)) error {
	zr, err := zlib.NewReader(&idatReader{chunks: chunks})
	if err != nil {
		return errPNG("%v", err)
	}
	defer zr.Close()
	passes := [][4]int{{0, 0, 1, 1}}
	if info.interlaced {
		passes = adam7[:]
	}
	channels := map[int]int{0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[info.colorType]
	bpp := max(1, channels*info.depth/8) // bytes per complete pixel, for the filters
	for _, p := range passes {
		pw := (info.width - p[0] + p[2] - 1) / p[2]
		ph := (info.height - p[1] + p[3] - 1) / p[3]
		if pw <= 0 || ph <= 0 {
			continue
		}
		rowBytes := (pw*channels*info.depth + 7) / 8
		cur, prev := make([]byte, 1+rowBytes), make([]byte, 1+rowBytes)
		out := make([]byte, 4*pw)
		for j := range ph {
			if _, err := io.ReadFull(zr, cur); err != nil {
				return errPNG("pixel data: %v", err)
			}
			if err := unfilter(cur[0], cur[1:], prev[1:], bpp); err != nil {
				return err
			}
			info.toRGBA(cur[1:], out, pw)
			emit(p[1]+j*p[3], p[0], p[2], out)
			cur, prev = prev, cur
		}
	}
	// The stream must end here (its checksum is checked at its end).
	var one [1]byte
	if n, err := io.ReadFull(zr, one[:]); n != 0 {
		return errPNG("too much pixel data")
	} else if !errors.Is(err, io.EOF) {
		return errPNG("pixel data: %v", err)
	}
	return nil
}

// unfilter undoes a row's filter in place (PNG specification §9).
func unfilter(f byte, row, prev []byte, bpp int) error {
	switch f {
	case 0:
	case 1:
		for i := bpp; i < len(row); i++ {
			row[i] += row[i-bpp]
		}
	case 2:
		for i := range row {
			row[i] += prev[i]
		}
	case 3:
		for i := range row {
			var left byte
			if i >= bpp {
				left = row[i-bpp]
			}
			row[i] += byte((int(left) + int(prev[i])) / 2)
		}
	case 4:
		for i := range row {
			var a, c byte
			if i >= bpp {
				a, c = row[i-bpp], prev[i-bpp]
			}
			row[i] += paeth(a, prev[i], c)
		}
	default:
		return errPNG("bad filter %d", f)
	}
	return nil
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
