// Command stuck panics in a goroutine whose deferred call then blocks for good, and has its
// core dumped meanwhile without crashing (see programs/snapshot): a panic still in flight,
// whose value the runtime has not yet turned into text.
package main

import (
	"fmt"
	"os"
	"syscall"
	"time"
	"unsafe"
)

func park() {
	select {}
}

func openStore(name string) {
	defer park()
	panic(fmt.Errorf("open store %q: %w", name, os.ErrNotExist))
}

// dumpCore restores SIG_DFL for SIGABRT (a zeroed kernel struct sigaction) and raises it.
func dumpCore() {
	var action [4]uint64
	syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(syscall.SIGABRT),
		uintptr(unsafe.Pointer(&action)), 0, 8, 0, 0)
	syscall.Kill(syscall.Getpid(), syscall.SIGABRT)
	time.Sleep(time.Minute)
}

func main() {
	go openStore("orders")
	time.Sleep(100 * time.Millisecond)
	dumpCore()
}
