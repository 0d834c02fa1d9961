package kontortest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ChromiumPath is where the system's Chromium is (the Debian package
// chromium; .ci/run installs it when it is missing).
const ChromiumPath = "/usr/bin/chromium"

// chromium is the one browser of a package's test run, started by the
// first test that asks for a tab and ended by StopChromium (TestMain).
var chromium struct {
	sync.Mutex
	browser context.Context // the first tab's context: it owns the browser
	stop    func()
	dir     string
	err     error
}

// Tab opens a tab in a fresh browser context (its own cookies and
// storage) of the package's shared headless Chromium, closed when the test
// ends; every action on it times out after timeout. It skips the test
// loudly when Chromium is not installed.
func Tab(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	browser := sharedChromium(t)
	tab, closeTab := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	ctx, cancel := context.WithTimeout(tab, timeout)
	t.Cleanup(func() { cancel(); closeTab() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("kontortest: open a Chromium tab: %v", err)
	}
	return ctx
}

func sharedChromium(t testing.TB) context.Context {
	t.Helper()
	if _, err := exec.LookPath(ChromiumPath); err != nil {
		t.Skipf("SKIPPED: browser test needs Chromium at %s (apt-get install chromium): %v", ChromiumPath, err)
	}
	chromium.Lock()
	defer chromium.Unlock()
	if chromium.browser != nil || chromium.err != nil {
		if chromium.err != nil {
			t.Fatalf("kontortest: Chromium: %v", chromium.err)
		}
		return chromium.browser
	}
	dir, err := os.MkdirTemp("", "kontor-chromium-")
	if err != nil {
		t.Fatalf("kontortest: %v", err)
	}
	alloc, stopAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(ChromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true), chromedp.Flag("mute-audio", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900))
	browser, stopBrowser := chromedp.NewContext(alloc)
	if err := chromedp.Do(browser); err != nil {
		stopBrowser()
		stopAlloc()
		os.RemoveAll(dir)
		chromium.err = err
		t.Fatalf("kontortest: start Chromium: %v", err)
	}
	chromium.browser, chromium.dir = browser, dir
	chromium.stop = func() { stopBrowser(); stopAlloc() }
	return browser
}

// StopChromium ends the package's shared Chromium, if a test started it;
// call it from TestMain after m.Run.
func StopChromium() {
	chromium.Lock()
	defer chromium.Unlock()
	if chromium.stop != nil {
		chromium.stop()
		os.RemoveAll(chromium.dir)
		chromium.browser, chromium.stop = nil, nil
	}
}

// Screenshot saves what the tab shows (its viewport, as PNG) to path,
// creating the directory; a person looks at these while building pages.
func Screenshot(t testing.TB, tab context.Context, path string) {
	t.Helper()
	png, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}
