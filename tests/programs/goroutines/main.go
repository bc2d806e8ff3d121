// Command goroutines parks goroutines in every common blocking state, then panics,
// so the core holds one example of each: channel receive and send, select, mutex,
// sleep, WaitGroup.Wait, and goroutines carrying pprof labels.
package main

import (
	"bytes"
	"context"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

const (
	numRecv      = 10
	numSend      = 5
	numSelect    = 5
	numMutex     = 5
	numSleep     = 5
	numWaitGroup = 5
)

// workers names the labelled goroutines.
var workers = []string{"w1", "w2", "w3"}

// started counts goroutines that are about to block.
var started sync.WaitGroup

func blockRecv(id int, ch <-chan int) {
	started.Done()
	v := <-ch
	_ = v + id
}

func blockSend(id int, ch chan<- int) {
	started.Done()
	ch <- id
}

func blockSelect(id int, a <-chan int, b <-chan string) {
	started.Done()
	select {
	case v := <-a:
		_ = v + id
	case s := <-b:
		_ = s
	}
}

func blockMutex(id int, mu *sync.Mutex, counter *int) {
	started.Done()
	mu.Lock()
	*counter += id
	mu.Unlock()
}

func blockSleep(id int) {
	started.Done()
	time.Sleep(time.Duration(id+1) * time.Hour)
}

func blockWaitGroup(id int, wg *sync.WaitGroup) {
	started.Done()
	wg.Wait()
	_ = id
}

func labelled(name string, ch <-chan int) {
	pprof.Do(context.Background(), pprof.Labels("worker", name), func(ctx context.Context) {
		started.Done()
		<-ch
	})
}

// allParked reports whether every goroutine but the caller is blocked.
func allParked() bool {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	busy := bytes.Count(buf, []byte(" [running]:")) + bytes.Count(buf, []byte(" [runnable]:"))
	return busy <= 1
}

func main() {
	recvCh := make(chan int)
	sendCh := make(chan int)
	selA := make(chan int)
	selB := make(chan string)
	labelCh := make(chan int)
	var mu sync.Mutex
	var counter int
	var never sync.WaitGroup
	never.Add(1)

	mu.Lock() // held for good, so blockMutex goroutines queue on it
	started.Add(numRecv + numSend + numSelect + numMutex + numSleep + numWaitGroup + len(workers))
	for i := 0; i < numRecv; i++ {
		go blockRecv(i, recvCh)
	}
	for i := 0; i < numSend; i++ {
		go blockSend(i, sendCh)
	}
	for i := 0; i < numSelect; i++ {
		go blockSelect(i, selA, selB)
	}
	for i := 0; i < numMutex; i++ {
		go blockMutex(i, &mu, &counter)
	}
	for i := 0; i < numSleep; i++ {
		go blockSleep(i)
	}
	for i := 0; i < numWaitGroup; i++ {
		go blockWaitGroup(i, &never)
	}
	for _, name := range workers {
		go labelled(name, labelCh)
	}
	started.Wait()
	for deadline := time.Now().Add(5 * time.Second); !allParked() && time.Now().Before(deadline); {
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
	panic("goroutines: deliberate crash")
}
