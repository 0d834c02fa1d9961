package mediacache_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"testing"

	"github.com/kontor-social/kontor/media"
	"github.com/kontor-social/kontor/media/mediacache"
)

func TestStoreEmojiImage(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	img.Set(3, 3, color.RGBA{200, 10, 10, 255})
	var pngData, jpegData, gifData bytes.Buffer
	png.Encode(&pngData, img)
	jpeg.Encode(&jpegData, img, nil)
	anim := &gif.GIF{}
	for i := range 2 {
		frame := image.NewPaletted(image.Rect(0, 0, 16, 16), palette.Plan9)
		frame.Set(i, i, color.White)
		anim.Image, anim.Delay = append(anim.Image, frame), append(anim.Delay, 10)
	}
	gif.EncodeAll(&gifData, anim)
	big := append(bytes.Clone(pngData.Bytes()), make([]byte, mediacache.MaxEmojiBytes)...)

	store, err := media.NewLocalStore(t.TempDir(), "https://k.example/media")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []struct {
		name       string
		data       []byte
		wantType   string
		stillapart bool  // a separate still for static_url
		wantErr    error // nil: stored
	}{
		{"png", pngData.Bytes(), "image/png", false, nil},
		{"animated gif", gifData.Bytes(), "image/gif", true, nil},
		{"jpeg", jpegData.Bytes(), "", false, mediacache.ErrEmojiType},
		{"text", []byte("hello"), "", false, mediacache.ErrEmojiType},
		{"empty", nil, "", false, mediacache.ErrEmojiType},
		{"over 256 KB", big, "", false, media.ErrTooLarge},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := mediacache.StoreEmojiImage(ctx, store, 42, c.data)
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) || !media.IsInvalid(err) {
					t.Fatalf("got %v, want %v", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ContentType != c.wantType || (got.StaticKey != got.FileKey) != c.stillapart {
				t.Errorf("stored %+v", got)
			}
			for _, key := range []string{got.FileKey, got.StaticKey} {
				f, info, err := store.Open(ctx, key)
				if err != nil {
					t.Fatalf("%s: %v", key, err)
				}
				io.Copy(io.Discard, f)
				f.Close()
				if info.Size == 0 {
					t.Errorf("%s is empty", key)
				}
			}
			if err := mediacache.DeleteEmojiImage(ctx, store, got.FileKey, got.StaticKey, got.FileKey, ""); err != nil {
				t.Errorf("delete: %v", err)
			}
			if _, _, err := store.Open(ctx, got.FileKey); !errors.Is(err, media.ErrNotFound) {
				t.Errorf("after delete: %v", err)
			}
		})
	}
}
