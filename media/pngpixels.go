package media

import "encoding/binary"

// toRGBA converts n pixels of an unfiltered PNG row to premultiplied RGBA,
// 8 bits per channel, exactly as image/png's decoding followed by
// color.Color.RGBA()>>8 would (so previews match those made before).
func (info *pngInfo) toRGBA(src, out []byte, n int) {
	if info.depth == 8 && (info.colorType == 6 || info.colorType == 2 && info.trns == nil) {
		info.toRGBA8(src, out, n)
		return
	}
	switch info.colorType {
	case 0: // gray
		for i := range n {
			v, g := info.sample(src, i, 0, 1)
			a := uint32(0xffff)
			if info.transparent(v, 0) {
				a = 0
			}
			putPremul(out[4*i:], g, g, g, a)
		}
	case 2: // RGB
		for i := range n {
			vr, r := info.sample(src, i, 0, 3)
			vg, g := info.sample(src, i, 1, 3)
			vb, b := info.sample(src, i, 2, 3)
			a := uint32(0xffff)
			if info.transparent(vr, 0) && info.transparent(vg, 1) && info.transparent(vb, 2) {
				a = 0
			}
			putPremul(out[4*i:], r, g, b, a)
		}
	case 3: // palette
		for i := range n {
			idx, _ := info.sample(src, i, 0, 1)
			c := [4]uint8{0, 0, 0, 0xff} // image/png's colour for an index past the palette
			if int(idx) < len(info.palette) {
				c = info.palette[idx]
			}
			a := uint32(c[3]) * 0x101
			putPremul(out[4*i:], uint32(c[0])*0x101, uint32(c[1])*0x101, uint32(c[2])*0x101, a)
		}
	case 4, 6: // gray or RGB with alpha
		ch := 2
		if info.colorType == 6 {
			ch = 4
		}
		for i := range n {
			_, a := info.sample(src, i, ch-1, ch)
			_, r := info.sample(src, i, 0, ch)
			g, b := r, r
			if ch == 4 {
				_, g = info.sample(src, i, 1, ch)
				_, b = info.sample(src, i, 2, ch)
			}
			putPremul(out[4*i:], r, g, b, a)
		}
	}
}

// sample returns channel c of pixel i (of ch channels) as stored and
// scaled to 16 bits.
func (info *pngInfo) sample(src []byte, i, c, ch int) (raw uint32, v16 uint32) {
	k := i*ch + c
	switch d := info.depth; d {
	case 16:
		raw = uint32(binary.BigEndian.Uint16(src[2*k:]))
		return raw, raw
	case 8:
		raw = uint32(src[k])
		return raw, raw * 0x101
	default: // 1, 2, 4: packed from the high bit
		shift := 8 - d - (k*d)%8
		raw = uint32(src[k*d/8]>>shift) & (1<<d - 1)
		return raw, raw * 0xffff / (1<<d - 1)
	}
}

// transparent reports whether raw equals channel c of tRNS (gray: one
// two-byte value; RGB: three).
func (info *pngInfo) transparent(raw uint32, c int) bool {
	if len(info.trns) < 2*(c+1) || info.colorType == 3 {
		return false
	}
	return uint32(binary.BigEndian.Uint16(info.trns[2*c:])) == raw
}

// putPremul writes a non-premultiplied 16-bit colour premultiplied, 8 bits
// per channel, with color.NRGBA64's arithmetic.
func putPremul(dst []byte, r, g, b, a uint32) {
	dst[0] = uint8(r * a / 0xffff >> 8)
	dst[1] = uint8(g * a / 0xffff >> 8)
	dst[2] = uint8(b * a / 0xffff >> 8)
	dst[3] = uint8(a >> 8)
}

// toRGBA8 is toRGBA for the common 8-bit RGB (without tRNS) and RGBA.
func (info *pngInfo) toRGBA8(src, out []byte, n int) {
	if info.colorType == 2 {
		for i := range n {
			o, p := out[4*i:4*i+4:4*i+4], src[3*i:3*i+3:3*i+3]
			o[0], o[1], o[2], o[3] = p[0], p[1], p[2], 0xff
		}
		return
	}
	for i := range n {
		o, p := out[4*i:4*i+4:4*i+4], src[4*i:4*i+4:4*i+4]
		switch a := uint32(p[3]); a {
		case 0xff:
			copy(o, p)
		case 0:
			o[0], o[1], o[2], o[3] = 0, 0, 0, 0
		default:
			// color.NRGBA's premultiplication, then the high byte.
			o[0] = uint8(uint32(p[0]) * 0x101 * a / 0xff >> 8)
			o[1] = uint8(uint32(p[1]) * 0x101 * a / 0xff >> 8)
			o[2] = uint8(uint32(p[2]) * 0x101 * a / 0xff >> 8)
			o[3] = p[3]
		}
	}
}
