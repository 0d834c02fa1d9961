package media

import (
	"bytes"
	"encoding/binary"
)

// SniffLen is how many leading bytes Sniff needs to recognise every format
// it knows; fewer may still work for most of them.
const SniffLen = 512

type format struct {
	kind Kind
	ext  string
}

// formats lists every content type Sniff can return. It is also the
// allowlist of types LocalStore serves as themselves.
var formats = map[string]format{
	"image/jpeg":       {KindImage, ".jpg"},
	"image/png":        {KindImage, ".png"},
	"image/gif":        {KindImage, ".gif"},
	"image/webp":       {KindImage, ".webp"},
	"video/mp4":        {KindVideo, ".mp4"},
	"video/quicktime":  {KindVideo, ".mov"},
	"video/webm":       {KindVideo, ".webm"},
	"video/x-matroska": {KindVideo, ".mkv"},
	"video/ogg":        {KindVideo, ".ogv"},
	"audio/mpeg":       {KindAudio, ".mp3"},
	"audio/ogg":        {KindAudio, ".ogg"},
	"audio/wav":        {KindAudio, ".wav"},
	"audio/flac":       {KindAudio, ".flac"},
	"audio/mp4":        {KindAudio, ".m4a"},
}

// Sniff detects the type of a file from its first bytes (ideally SniffLen
// of them), never from a name or a declared Content-Type. ok is false for
// anything Kontor does not accept — notably text, HTML and SVG, which a
// browser could run as script. Also meant for remote media.
func Sniff(head []byte) (contentType string, kind Kind, ok bool) {
	ct := sniff(head)
	if ct == "" {
		return "", KindUnknown, false
	}
	return ct, formats[ct].kind, true
}

func sniff(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return "image/gif"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "image/webp"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WAVE":
		return "audio/wav"
	case len(b) >= 12 && string(b[4:8]) == "ftyp":
		return sniffISOBMFF(b)
	case bytes.HasPrefix(b, []byte{0x1A, 0x45, 0xDF, 0xA3}):
		return sniffEBML(b)
	case bytes.HasPrefix(b, []byte("OggS\x00")):
		return sniffOgg(b)
	case bytes.HasPrefix(b, []byte("fLaC")):
		return "audio/flac"
	case len(b) >= 4 && string(b[:3]) == "ID3" && b[3] != 0xFF:
		return "audio/mpeg"
	case isMPEGAudioFrame(b):
		return "audio/mpeg"
	}
	return ""
}

// sniffISOBMFF tells MP4/MOV/M4A apart by the major brand. HEIF/AVIF use
// the same container but are images we cannot decode, so they are refused.
func sniffISOBMFF(b []byte) string {
	if size := binary.BigEndian.Uint32(b[:4]); size < 12 {
		return ""
	}
	switch string(b[8:12]) {
	case "M4A ", "M4B ", "M4P ", "F4A ", "F4B ":
		return "audio/mp4"
	case "qt  ":
		return "video/quicktime"
	case "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1", "avif", "avis", "crx ", "jxl ":
		return ""
	}
	return "video/mp4"
}

// sniffEBML reads the Matroska DocType element (ID 0x4282), which muxers put
// in the first few dozen bytes.
func sniffEBML(b []byte) string {
	if len(b) > 128 {
		b = b[:128]
	}
	i := bytes.Index(b[4:], []byte{0x42, 0x82})
	if i < 0 {
		return ""
	}
	rest := b[4+i+2:]
	if len(rest) < 1 || rest[0]&0x80 == 0 { // only one-byte sizes in practice
		return ""
	}
	n := int(rest[0] & 0x7F)
	if len(rest) < 1+n {
		return ""
	}
	switch string(rest[1 : 1+n]) {
	case "webm":
		return "video/webm"
	case "matroska":
		return "video/x-matroska"
	}
	return ""
}

// sniffOgg looks at the first packet of the first page: Theora means video.
func sniffOgg(b []byte) string {
	if len(b) >= 27 {
		start := 27 + int(b[26])
		if start <= len(b) && bytes.HasPrefix(b[start:], []byte("\x80theora")) {
			return "video/ogg"
		}
	}
	return "audio/ogg"
}

// isMPEGAudioFrame checks an MPEG audio frame header (an MP3 without an ID3
// tag), rejecting the reserved values so random bytes rarely match. Layer
// 0 is reserved, which also keeps out ADTS AAC (FFF1/FFF9).
func isMPEGAudioFrame(b []byte) bool {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return false
	}
	version := (b[1] >> 3) & 3
	layer := (b[1] >> 1) & 3
	bitrate := b[2] >> 4
	rate := (b[2] >> 2) & 3
	return version != 1 && layer != 0 && bitrate != 15 && rate != 3
}

// ExtFor returns the file extension (with the dot) Kontor uses for a content
// type Sniff returns, or "" for any other type.
func ExtFor(contentType string) string {
	return formats[contentType].ext
}

// contentTypeForExt maps an extension back to the allowlisted content type,
// or "" when the extension is not one of ours.
func contentTypeForExt(ext string) string {
	if ext == ".jpeg" {
		return "image/jpeg"
	}
	for ct, f := range formats {
		if f.ext == ext {
			return ct
		}
	}
	return ""
}
