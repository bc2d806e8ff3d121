// Command index indexes past the end of a slice in a goroutine while main waits.
package main

import (
	"fmt"
	"sync"
)

func pick(items []string, i int) string {
	return items[i]
}

func worker(items []string, i int, wg *sync.WaitGroup) {
	defer wg.Done()
	fmt.Println(pick(items, i))
}

func main() {
	items := []string{"a", "b", "c"}
	var wg sync.WaitGroup
	wg.Add(1)
	go worker(items, 5, &wg)
	wg.Wait()
}
