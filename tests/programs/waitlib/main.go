// Command waitlib hangs goroutines on the lock inside a real dependency, patrickmn/go-cache:
// its RWMutex is held (taken here through reflection, as a stuck writer would), 3 goroutines
// wait in Cache.Get (readers) and 2 in Cache.Set (writers). It prints the lock's address as
// "addr cache.mu 0x..." and dumps itself with SIGQUIT.
package main

import (
	"fmt"
	"os"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	cache "github.com/patrickmn/go-cache"
)

// parked waits until n goroutines besides main are off-CPU.
func parked(n int) {
	buf := make([]byte, 1<<20)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		count := 0
		for _, line := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n") {
			if strings.HasPrefix(line, "goroutine ") && !strings.Contains(line, "running") &&
				!strings.Contains(line, "runnable") {
				count++
			}
		}
		if count >= n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	fmt.Fprintln(os.Stderr, "waitlib: goroutines did not park in time")
	os.Exit(2)
}

//go:noinline
func lookup(c *cache.Cache, key string) {
	c.Get(key)
}

//go:noinline
func store(c *cache.Cache, key string) {
	c.Set(key, 1, cache.NoExpiration)
}

func main() {
	c := cache.New(cache.NoExpiration, 0)
	inner := reflect.ValueOf(c).Elem().Field(0).Elem()
	mu := (*sync.RWMutex)(unsafe.Pointer(inner.FieldByName("mu").UnsafeAddr()))
	fmt.Printf("addr cache.mu %p\n", mu)
	mu.Lock()
	for i := 0; i < 3; i++ {
		go lookup(c, "k")
	}
	parked(3)
	for i := 0; i < 2; i++ {
		go store(c, "k")
	}
	parked(5)
	os.Stdout.Sync()
	syscall.Kill(syscall.Getpid(), syscall.SIGQUIT)
	time.Sleep(time.Minute)
}
