package media

import (
	"encoding/binary"
	"fmt"
)

// cleanGIF rewrites a GIF block by block, keeping what renders (color
// tables, graphic control extensions, frames, the NETSCAPE2.0 loop count)
// and dropping comments, plain-text and other application extensions (XMP,
// ICC, …) and anything after the trailer. Frames are copied as they are, so
// an animation stays byte-identical where it matters and nothing is decoded.
func cleanGIF(b []byte) (out []byte, frames int, err error) {
	bad := func(what string) ([]byte, int, error) {
		return nil, 0, fmt.Errorf("%w: gif: %s", ErrInvalidMedia, what)
	}
	if len(b) < 13 {
		return bad("short header")
	}
	sw, sh := int(binary.LittleEndian.Uint16(b[6:])), int(binary.LittleEndian.Uint16(b[8:]))
	i := 13
	if b[10]&0x80 != 0 {
		i += 3 << (b[10]&7 + 1)
	}
	if i > len(b) {
		return bad("short global color table")
	}
	out = make([]byte, 0, len(b))
	out = append(out, b[:i]...)

	for {
		if i >= len(b) {
			// Many GIFs in the wild lack the trailer; browsers accept them.
			if frames == 0 {
				return bad("no image")
			}
			return append(out, 0x3B), frames, nil
		}
		switch b[i] {
		case 0x21: // extension
			if i+2 > len(b) {
				return bad("short extension")
			}
			label := b[i+1]
			end, ok := skipSubBlocks(b, i+2)
			if !ok {
				return bad("truncated extension")
			}
			switch label {
			case 0xF9: // graphic control: delay, disposal, transparency
				out = append(out, b[i:end]...)
			case 0xFF:
				if loops, ok := netscapeLoops(b[i+2 : end]); ok {
					out = append(out, 0x21, 0xFF, 11)
					out = append(out, "NETSCAPE2.0"...)
					out = append(out, 3, 1, byte(loops), byte(loops>>8), 0)
				}
			}
			i = end
		case 0x2C: // image descriptor
			if i+10 > len(b) {
				return bad("short image descriptor")
			}
			left := int(binary.LittleEndian.Uint16(b[i+1:]))
			top := int(binary.LittleEndian.Uint16(b[i+3:]))
			fw := int(binary.LittleEndian.Uint16(b[i+5:]))
			fh := int(binary.LittleEndian.Uint16(b[i+7:]))
			if left+fw > sw || top+fh > sh {
				return bad("frame outside the image")
			}
			j := i + 10
			if b[i+9]&0x80 != 0 {
				j += 3 << (b[i+9]&7 + 1)
			}
			j++ // LZW minimum code size
			if j > len(b) {
				return bad("truncated frame")
			}
			end, ok := skipSubBlocks(b, j)
			if !ok {
				return bad("truncated frame")
			}
			out = append(out, b[i:end]...)
			frames++
			i = end
		case 0x3B: // trailer; whatever follows is dropped
			if frames == 0 {
				return bad("no image")
			}
			return append(out, 0x3B), frames, nil
		default:
			return bad(fmt.Sprintf("unknown block 0x%02x", b[i]))
		}
	}
}

// skipSubBlocks returns the offset just past the sub-block chain at i.
func skipSubBlocks(b []byte, i int) (int, bool) {
	for {
		if i >= len(b) {
			return 0, false
		}
		n := int(b[i])
		i++
		if n == 0 {
			return i, true
		}
		i += n
	}
}

// netscapeLoops extracts the loop count from an application extension's
// sub-blocks if it is the NETSCAPE2.0 looping extension.
func netscapeLoops(sub []byte) (int, bool) {
	if len(sub) < 12 || sub[0] != 11 || string(sub[1:12]) != "NETSCAPE2.0" {
		return 0, false
	}
	rest := sub[12:]
	if len(rest) < 4 || rest[0] < 3 || rest[1] != 1 {
		return 0, false
	}
	return int(binary.LittleEndian.Uint16(rest[2:])), true
}
