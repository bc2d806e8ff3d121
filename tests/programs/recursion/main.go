// Command recursion dereferences a nil pointer at the bottom of a 200-frame recursion.
package main

import "fmt"

type node struct {
	value int
}

func recurse(n int) int {
	if n == 0 {
		var leaf *node
		return leaf.value
	}
	return recurse(n-1) + 1
}

func main() {
	fmt.Println(recurse(200))
}
