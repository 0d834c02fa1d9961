package media

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Decodes take turns: no more than the slots at once, no more than the
// memory budget in flight (one over it runs alone), and a waiter gives up
// with ErrBusy after the wait.
func TestDecodeGate(t *testing.T) {
	defer SetDecodeLimits(2, 100, 200*time.Millisecond)()
	var running, peak atomic.Int32
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			leave, err := enterGate(10)
			if err != nil {
				t.Error(err)
				return
			}
			n := running.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			time.Sleep(20 * time.Millisecond)
			running.Add(-1)
			leave()
		})
	}
	wg.Wait()
	if peak.Load() != 2 {
		t.Errorf("%d decodes at once, want 2", peak.Load())
	}

	big, err := enterGate(1000) // over the budget: alone
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := enterGate(1); !errors.Is(err, ErrBusy) {
		t.Fatalf("beside an image over the budget: %v, want ErrBusy", err)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("gave up after %v, want the wait", d)
	}
	big()
	leave, err := enterGate(60)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := enterGate(60); !errors.Is(err, ErrBusy) {
		t.Errorf("two of 60 in a budget of 100: %v, want ErrBusy", err)
	}
	leave()

	// Process answers ErrBusy, which is not the upload's fault.
	hold, _ := enterGate(100)
	_, err = Process(bytes.NewReader(encodePNGT(t, photo(10, 10))), Limits{}, "")
	hold()
	if !errors.Is(err, ErrBusy) || IsInvalid(err) {
		t.Errorf("Process while the gate is full: %v", err)
	}
}

func TestShrinkerAverages(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 4, 2))
	// Left 2×2: red, and transparent (whose colour must not bleed in);
	// right 2×2: all blue, half transparent.
	src.SetNRGBA(0, 0, color.NRGBA{255, 0, 0, 255})
	src.SetNRGBA(1, 0, color.NRGBA{255, 0, 0, 255})
	src.SetNRGBA(0, 1, color.NRGBA{0, 255, 0, 0})
	src.SetNRGBA(1, 1, color.NRGBA{0, 255, 0, 0})
	for y := range 2 {
		for x := 2; x < 4; x++ {
			src.SetNRGBA(x, y, color.NRGBA{0, 0, 255, 128})
		}
	}
	got := preview(src, 2).(*image.RGBA)
	if got.Bounds().Dx() != 2 || got.Bounds().Dy() != 1 {
		t.Fatalf("bounds %v", got.Bounds())
	}
	if c := got.RGBAAt(0, 0); c.R != 128 || c.G != 0 || c.B != 0 || c.A != 128 {
		t.Errorf("left %v, want half-transparent red", c)
	}
	if c := got.RGBAAt(1, 0); c.B != 128 || c.A != 128 || c.R != 0 {
		t.Errorf("right %v", c)
	}
	if preview(src, 4) != image.Image(src) {
		t.Error("an image within the size is its own preview")
	}
	for _, tc := range [][4]int{{5760, 5760, 640, 640}, {6000, 10, 640, 1}, {100, 3000, 21, 640}, {641, 640, 640, 639}} {
		if w, h := previewSize(tc[0], tc[1], 640); w != tc[2] || h != tc[3] {
			t.Errorf("previewSize(%d, %d) = %d×%d, want %d×%d", tc[0], tc[1], w, h, tc[2], tc[3])
		}
	}
}

// A side over 65535 pixels is refused from the header, whatever the pixel
// count: a PNG row is decoded whole.
func TestProcessRefusesLongSide(t *testing.T) {
	for _, in := range [][]byte{pngHeader(65536, 1), pngHeader(1, 70000)} {
		if _, err := Process(bytes.NewReader(in), Limits{}, ""); !errors.Is(err, ErrTooManyPixels) {
			t.Errorf("%v, want ErrTooManyPixels", err)
		}
	}
}
