// Command healthy runs until it is signalled: a ticker, a worker pool and an idle server loop.
package main

import (
	"fmt"
	"os"
	"sync"
	"time"
)

type job struct {
	id int
}

func worker(id int, jobs <-chan job, wg *sync.WaitGroup) {
	defer wg.Done()
	for j := range jobs {
		_ = j.id * id
	}
}

func ticker(stop <-chan struct{}) {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-stop:
			return
		}
	}
}

func main() {
	jobs := make(chan job)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for id := 1; id <= 3; id++ {
		wg.Add(1)
		go worker(id, jobs, &wg)
	}
	go ticker(stop)
	fmt.Fprintln(os.Stdout, "healthy: ready")
	for i := 0; ; i++ {
		jobs <- job{id: i}
		time.Sleep(10 * time.Millisecond)
	}
}
