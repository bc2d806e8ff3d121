// Command waits parks goroutines on every kind of object a hung Go program waits on, the lock
// inside a real dependency (patrickmn/go-cache) among them, prints each object's address as
// "addr NAME 0x..." and then dumps itself with SIGQUIT (GOTRACEBACK=crash): the input of the
// tests of dlvclient.waits. The counts of waiters are fixed (see the comments) so that tests
// can check them exactly.
package main

import (
	"fmt"
	"net"
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

// Store is the object whose mutex its callers queue on: the analysis should name it s.mu.
type Store struct {
	name string
	mu   sync.Mutex
	data map[string]int
}

//go:noinline
func (s *Store) Get(key string) int {
	s.mu.Lock() // 3 waiters
	defer s.mu.Unlock()
	return s.data[key]
}

// hold takes s.mu and keeps it while it waits on a channel nobody closes: the goroutine a
// "may hold it" hint should point at.
//
//go:noinline
func hold(s *Store, stall <-chan struct{}) {
	s.mu.Lock()
	<-stall // 1 receiver
	s.mu.Unlock()
}

// Registry's RWMutex has readers and writers queued apart.
type Registry struct {
	mu    sync.RWMutex
	names []string
}

//go:noinline
func (r *Registry) Lookup(i int) string {
	r.mu.RLock() // 2 readers, queued behind a waiting writer
	defer r.mu.RUnlock()
	return r.names[i]
}

//go:noinline
func (r *Registry) Add(name string) {
	r.mu.Lock() // 2 writers: one waits for the reader to leave, one for the first writer
	defer r.mu.Unlock()
	r.names = append(r.names, name)
}

// Queue's condition variable has waiters that nobody signals.
type Queue struct {
	mu    sync.Mutex
	ready *sync.Cond
	items []int
}

//go:noinline
func (q *Queue) Pop() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 {
		q.ready.Wait() // 3 waiters
	}
	return q.items[0]
}

//go:noinline
func worker(jobs <-chan int) int {
	return <-jobs // 4 receivers on an unbuffered channel nobody sends to
}

//go:noinline
func producer(results chan<- string, id int) {
	results <- fmt.Sprint(id) // 2 senders on an unbuffered channel nobody receives from
}

//go:noinline
func fill(full chan<- int) {
	full <- 3 // 1 sender on a full buffered channel (len 2, cap 2)
}

//go:noinline
func drain(empty <-chan *Store) *Store {
	return <-empty // 2 receivers on an empty buffered channel (cap 3)
}

//go:noinline
func nilRecv() {
	var never chan int
	<-never // 1 goroutine receives from a nil channel
}

//go:noinline
func nilSend() {
	var never chan int
	never <- 1 // 1 goroutine sends on a nil channel
}

//go:noinline
func pick(a <-chan int, b chan<- string) {
	select { // 2 goroutines wait on both channels at once
	case v := <-a:
		_ = v
	case b <- "x":
	}
}

//go:noinline
func await(wg *sync.WaitGroup) {
	wg.Wait() // 2 waiters; the counter stays 1
}

//go:noinline
func alarm() {
	<-time.After(time.Hour) // 1 receiver on a timer's channel
}

//go:noinline
func nap() {
	time.Sleep(time.Hour) // 1 sleeper
}

// lockCache takes the RWMutex inside a go-cache, as a stuck writer would: 3 goroutines then
// wait in Cache.Get (readers) and 2 in Cache.Set (writers), inside the library.
func lockCache(c *cache.Cache) *sync.RWMutex {
	inner := reflect.ValueOf(c).Elem().Field(0).Elem()
	mu := (*sync.RWMutex)(unsafe.Pointer(inner.FieldByName("mu").UnsafeAddr()))
	mu.Lock()
	return mu
}

//go:noinline
func lookup(c *cache.Cache, key string) {
	c.Get(key)
}

//go:noinline
func put(c *cache.Cache, key string) {
	c.Set(key, 1, cache.NoExpiration)
}

//go:noinline
func serve(conn net.Conn) {
	buf := make([]byte, 16)
	conn.Read(buf) // 1 goroutine waits for the socket to be readable
}

//go:noinline
func readPipe(fd int) {
	buf := make([]byte, 16)
	syscall.Read(fd, buf) // 1 goroutine blocks in a read(2) system call
}

var (
	store = &Store{name: "orders", data: map[string]int{}}
	reg   = &Registry{names: []string{"a"}}
	queue = &Queue{}
	jobs  = make(chan int)
	// results, full and empty are locals of main in spirit; globals keep them reachable.
	results = make(chan string)
	full    = make(chan int, 2)
	empty   = make(chan *Store, 3)
	selA    = make(chan int)
	selB    = make(chan string)
	group   sync.WaitGroup
	stall   = make(chan struct{})
)

// parked waits until n goroutines besides main are off-CPU ("[...]" other than runnable).
func parked(n int) {
	buf := make([]byte, 1<<20)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		text := string(buf[:runtime.Stack(buf, true)])
		count := 0
		for _, line := range strings.Split(text, "\n") {
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
	fmt.Fprintln(os.Stderr, "waits: goroutines did not park in time")
	os.Exit(2)
}

func addr(name string, p interface{}) {
	fmt.Printf("addr %s %p\n", name, p)
}

func main() {
	queue.ready = sync.NewCond(&queue.mu)
	addr("store.mu", &store.mu)
	addr("store", store)
	addr("reg.mu", &reg.mu)
	addr("queue.ready", queue.ready)
	addr("queue.mu", &queue.mu)
	addr("jobs", jobs)
	addr("results", results)
	addr("full", full)
	addr("empty", empty)
	addr("selA", selA)
	addr("selB", selB)
	addr("group", &group)
	addr("stall", stall)

	started := 0
	spawn := func(n int, f func()) {
		for i := 0; i < n; i++ {
			go f()
		}
		started += n
		parked(started)
	}

	spawn(1, func() { hold(store, stall) })
	spawn(3, func() { store.Get("k") })

	reg.mu.RLock()
	spawn(1, func() { reg.Add("b") })
	spawn(1, func() { reg.Add("c") })
	spawn(2, func() { reg.Lookup(0) })

	spawn(3, func() { queue.Pop() })
	spawn(4, func() { worker(jobs) })
	spawn(2, func() { producer(results, 1) })
	full <- 1
	full <- 2
	spawn(1, func() { fill(full) })
	spawn(2, func() { drain(empty) })
	spawn(1, nilRecv)
	spawn(1, nilSend)
	spawn(2, func() { pick(selA, selB) })
	group.Add(1)
	spawn(2, func() { await(&group) })
	spawn(1, nap)
	spawn(1, alarm)

	lib := cache.New(cache.NoExpiration, 0)
	addr("cache.mu", lockCache(lib))
	spawn(3, func() { lookup(lib, "k") })
	spawn(2, func() { put(lib, "k") })

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		panic(err)
	}
	conn, err := ln.Accept()
	if err != nil {
		panic(err)
	}
	defer client.Close()
	if tcp, ok := conn.(*net.TCPConn); ok {
		if raw, err := tcp.SyscallConn(); err == nil {
			raw.Control(func(fd uintptr) { fmt.Printf("fd conn %d\n", fd) })
		}
	}
	spawn(1, func() { serve(conn) })

	var pipe [2]int
	if err := syscall.Pipe(pipe[:]); err != nil {
		panic(err)
	}
	fmt.Printf("fd pipe %d\n", pipe[0])
	go readPipe(pipe[0])
	time.Sleep(50 * time.Millisecond) // a goroutine in a system call still counts as running

	os.Stdout.Sync()
	syscall.Kill(syscall.Getpid(), syscall.SIGQUIT)
	time.Sleep(time.Minute)
}
