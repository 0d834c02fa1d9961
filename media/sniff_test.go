package media

import "testing"

func TestSniff(t *testing.T) {
	ebml := func(docType string) string {
		// EBML header: version fields, then DocType (0x4282) with a 1-byte size.
		return "\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08" +
			"\x42\x82" + string([]byte{byte(0x80 | len(docType))}) + docType + "\x42\x87\x81\x02\x42\x85\x81\x02"
	}
	oggPage := func(packet string) string {
		// Page header (27 bytes, 1 segment) followed by the first packet.
		return "OggS\x00\x02" + "\x00\x00\x00\x00\x00\x00\x00\x00" + "\x01\x02\x03\x04" + "\x00\x00\x00\x00" + "\x00\x00\x00\x00" +
			"\x01" + string([]byte{byte(len(packet))}) + packet
	}
	tests := []struct {
		name string
		in   string
		ct   string
		kind Kind
	}{
		{"jpeg", "\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg", KindImage},
		{"png", "\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", "image/png", KindImage},
		{"gif87a", "GIF87a\x01\x00", "image/gif", KindImage},
		{"gif89a", "GIF89a\x01\x00", "image/gif", KindImage},
		{"webp", "RIFF\x2a\x00\x00\x00WEBPVP8L", "image/webp", KindImage},
		{"mp4 isom", "\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2", "video/mp4", KindVideo},
		{"mp4 mp42", "\x00\x00\x00\x1cftypmp42\x00\x00\x00\x00mp42isom", "video/mp4", KindVideo},
		{"mov", "\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  ", "video/quicktime", KindVideo},
		{"m4a", "\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A mp42isom", "audio/mp4", KindAudio},
		{"webm", ebml("webm"), "video/webm", KindVideo},
		{"mkv", ebml("matroska"), "video/x-matroska", KindVideo},
		{"mp3 id3", "ID3\x04\x00\x00\x00\x00\x01\x00", "audio/mpeg", KindAudio},
		{"mp3 frame", "\xff\xfb\x90\x64\x00\x00", "audio/mpeg", KindAudio},
		{"mp2 layer II frame", "\xff\xfd\x90\x64", "audio/mpeg", KindAudio},
		{"ogg vorbis", oggPage("\x01vorbis\x00\x00"), "audio/ogg", KindAudio},
		{"ogg opus", oggPage("OpusHead\x01\x02"), "audio/ogg", KindAudio},
		{"ogg theora", oggPage("\x80theora\x03\x02"), "video/ogg", KindVideo},
		{"wav", "RIFF\x24\x08\x00\x00WAVEfmt \x10\x00\x00\x00", "audio/wav", KindAudio},
		{"flac", "fLaC\x00\x00\x00\x22", "audio/flac", KindAudio},

		{"empty", "", "", KindUnknown},
		{"text", "hello world", "", KindUnknown},
		{"html", "<!doctype html><script>alert(1)</script>", "", KindUnknown},
		{"svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>", "", KindUnknown},
		{"xml svg", "<?xml version=\"1.0\"?>\n<svg/>", "", KindUnknown},
		{"pdf", "%PDF-1.4", "", KindUnknown},
		{"zip", "PK\x03\x04", "", KindUnknown},
		{"elf", "\x7fELF\x02\x01", "", KindUnknown},
		{"bmp", "BM\x36\x00\x00\x00", "", KindUnknown},
		{"avi", "RIFF\x24\x08\x00\x00AVI LIST", "", KindUnknown},
		{"heic", "\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "", KindUnknown},
		{"avif", "\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1", "", KindUnknown},
		{"ftyp with tiny box", "\x00\x00\x00\x04ftypisom", "", KindUnknown},
		{"ebml unknown doctype", ebml("foo"), "", KindUnknown},
		{"ebml without doctype", "\x1a\x45\xdf\xa3\x80", "", KindUnknown},
		{"aac adts", "\xff\xf1\x50\x80\x02\x1f\xfc", "", KindUnknown},
		{"mpeg reserved rate", "\xff\xfb\x9c\x64", "", KindUnknown},
		{"short jpeg", "\xff\xd8", "", KindUnknown},
		{"short riff", "RIFF", "", KindUnknown},
	}
	for _, tt := range tests {
		ct, kind, ok := Sniff([]byte(tt.in))
		if ct != tt.ct || kind != tt.kind || ok != (tt.ct != "") {
			t.Errorf("%s: Sniff = %q, %q, %v; want %q, %q", tt.name, ct, kind, ok, tt.ct, tt.kind)
		}
		if ok && ExtFor(ct) == "" {
			t.Errorf("%s: no extension for %s", tt.name, ct)
		}
	}
}

func TestExtRoundTrip(t *testing.T) {
	for ct, f := range formats {
		if got := contentTypeForExt(f.ext); got != ct {
			t.Errorf("%s → %s → %s", ct, f.ext, got)
		}
	}
}
