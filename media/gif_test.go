package media

import (
	"bytes"
	"errors"
	"image/gif"
	"testing"
)

func TestCleanGIF(t *testing.T) {
	anim := animatedGIF(t)
	plainText := append([]byte{0x21, 0x01, 12}, make([]byte, 12)...)
	plainText = append(append(plainText, 5), "hello\x00"...)
	tests := []struct {
		name     string
		in       []byte
		frames   int
		loop     int
		mustDrop []string
		wantErr  bool
	}{
		{"as encoded", anim, 3, 3, nil, false},
		{"comment", afterGIFHeader(anim, gifExtension(0xFE, []byte("by alice at 48.85N"))), 3, 3, []string{"48.85N"}, false},
		{"plain text ext", afterGIFHeader(anim, plainText), 3, 3, []string{"hello"}, false},
		{"icc app ext", afterGIFHeader(anim, append(gifExtension(0xFF, []byte("ICCRGBG1012"))[:14], 4, 'i', 'c', 'c', '!', 0)), 3, 3, []string{"ICCRGBG1012", "icc!"}, false},
		{"after trailer", append(append([]byte{}, anim...), "<script>"...), 3, 3, []string{"<script>"}, false},
		{"no trailer", anim[:len(anim)-1], 3, 3, nil, false},
		{"truncated frame", anim[:len(anim)-10], 0, 0, nil, true},
		{"unknown block", afterGIFHeader(anim, []byte{0x99}), 0, 0, nil, true},
		{"short", anim[:10], 0, 0, nil, true},
		{"no frames", append(append([]byte{}, anim[:13]...), 0x3B), 0, 0, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, frames, err := cleanGIF(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalidMedia) {
					t.Fatalf("err = %v, want ErrInvalidMedia", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if frames != tt.frames {
				t.Errorf("frames = %d, want %d", frames, tt.frames)
			}
			for _, s := range tt.mustDrop {
				if bytes.Contains(out, []byte(s)) {
					t.Errorf("%q kept", s)
				}
			}
			g, err := gif.DecodeAll(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("output does not decode: %v", err)
			}
			if len(g.Image) != tt.frames || g.LoopCount != tt.loop {
				t.Errorf("decoded %d frames, loop %d", len(g.Image), g.LoopCount)
			}
		})
	}
}

func TestCleanGIFFrameOutsideScreen(t *testing.T) {
	// 1x1 screen, frame claims 2x1 at (0,0).
	in := []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff,\x00\x00\x00\x00\x02\x00\x01\x00\x00\x02\x02D\x01\x00;")
	if _, _, err := cleanGIF(in); !errors.Is(err, ErrInvalidMedia) {
		t.Fatalf("err = %v", err)
	}
}

func FuzzCleanGIF(f *testing.F) {
	f.Add([]byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, frames, err := cleanGIF(b)
		if err == nil && (frames < 1 || len(out) > len(b)+1) {
			t.Fatalf("frames %d, %d bytes from %d", frames, len(out), len(b))
		}
	})
}
