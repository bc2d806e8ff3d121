// Command deadlock waits on a channel nobody sends to: every goroutine is asleep.
package main

func waitForResult(results chan int) int {
	return <-results
}

func main() {
	results := make(chan int)
	println(waitForResult(results))
}
