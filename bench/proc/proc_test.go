package proc

import (
	"testing"
	"time"
)

func TestStatCPU(t *testing.T) {
	// Fields after the command: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime …
	tail := " S 1 2 3 0 -1 4194560 100 0 0 0 1234 56 0 0 20 0 9 0 77 1000 200"
	for _, tc := range []struct {
		name, line string
		want       time.Duration
	}{
		{"plain", "4242 (kontor)" + tail, 12900 * time.Millisecond},
		{"spaces in the command", "4242 (gotosocial server)" + tail, 12900 * time.Millisecond},
		{"parenthesis in the command", "4242 (a) b) c)" + tail, 12900 * time.Millisecond},
		{"truncated", "4242 (kontor) S 1 2", 0},
		{"no command", "garbage", 0},
		{"not a number", "4242 (kontor) S 1 2 3 0 -1 4194560 100 0 0 0 x 56 0", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := statCPU(tc.line); got != tc.want {
				t.Errorf("statCPU(%q) = %s, want %s", tc.line, got, tc.want)
			}
		})
	}
}
