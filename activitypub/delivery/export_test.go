package delivery

import "github.com/kontor-social/kontor/db"

// ThisProcess is the running process as a queue registers it.
func ThisProcess() db.Process {
	id := thisProcess()
	return db.Process{Hostname: id.hostname, HostKey: id.hostKey, PID: int64(id.pid), PIDStart: id.pidStart}
}
