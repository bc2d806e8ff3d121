// Command benchgoroutines parks N goroutines at varied stack depths in varied blocking
// states, then panics so that GOTRACEBACK=crash leaves a core: the input of the dlvclient
// benchmarks (see ../README.md).
//
// N comes from -n or $BENCH_GOROUTINES (default 1000). Goroutine i blocks in state i%6
// (channel receive, channel send, select, mutex, sleep, WaitGroup) after recursing to a
// depth drawn from i: most stacks are shallow (a median of ~16 frames in all), and one in
// seven is deeper than the 50 frames the benchmark asks for, as in a real server.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

const (
	kinds = 6
	// Recursion depths run from 0 to spread-1, skewed towards shallow ones (see depthOf).
	spread = 72
)

var (
	recvCh   = make(chan int)
	sendCh   = make(chan int)
	selA     = make(chan int)
	selB     = make(chan string)
	mu       sync.Mutex
	never    sync.WaitGroup
	counter  int
	blocking atomic.Int64
)

// descend recurses depth times, then blocks; each level is a real frame (built with -N -l).
func descend(depth, kind, id int) int {
	if depth > 0 {
		return descend(depth-1, kind, id) + 1
	}
	block(kind, id)
	return 0
}

func block(kind, id int) {
	blocking.Add(1)
	switch kind {
	case 0:
		v := <-recvCh
		_ = v + id
	case 1:
		sendCh <- id
	case 2:
		select {
		case v := <-selA:
			_ = v + id
		case s := <-selB:
			_ = s
		}
	case 3:
		mu.Lock()
		counter += id
		mu.Unlock()
	case 4:
		time.Sleep(time.Duration(id+1) * time.Hour)
	default:
		never.Wait()
	}
}

// depthOf skews an even spread cubically: most goroutines sit a few frames deep, a few
// beyond the benchmark's depth of 50. Goroutine i has kind i%kinds, so the spread runs over
// i/kinds, which gives every kind every depth; 37 is coprime with spread, so consecutive
// goroutines of a kind get far-apart depths.
func depthOf(i int) int {
	k := (i / kinds * 37) % spread
	return k * k * k / (spread * spread)
}

func count() int {
	n := 1000
	if env := os.Getenv("BENCH_GOROUTINES"); env != "" {
		v, err := strconv.Atoi(env)
		if err != nil {
			fmt.Fprintf(os.Stderr, "BENCH_GOROUTINES=%q is not a number\n", env)
			os.Exit(2)
		}
		n = v
	}
	flag.IntVar(&n, "n", n, "number of goroutines to park")
	flag.Parse()
	return n
}

// waitParked returns once n goroutines are off-CPU, so the core shows them blocked, not
// runnable. Go 1.26 counts waiting goroutines in runtime/metrics; older Go gets a pause.
func waitParked(n int) {
	const name = "/sched/goroutines/waiting:goroutines"
	sample := []metrics.Sample{{Name: name}}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			time.Sleep(time.Second)
			return
		}
		if sample[0].Value.Uint64() >= uint64(n) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func main() {
	n := count()
	mu.Lock() // held for good, so the mutex goroutines queue on it
	never.Add(1)
	for i := 0; i < n; i++ {
		go descend(depthOf(i), i%kinds, i)
	}
	for blocking.Load() < int64(n) {
		runtime.Gosched()
	}
	waitParked(n)
	panic(fmt.Sprintf("benchgoroutines: deliberate crash with %d goroutines parked", n))
}
