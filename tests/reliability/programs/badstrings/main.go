// Command badstrings holds strings that are not valid UTF-8, then panics, so the core shows how
// they travel through Delve's JSON (which replaces invalid bytes) to the client.
package main

import "fmt"

// invalid mixes valid text with bytes that are not UTF-8: a lone continuation byte, a truncated
// sequence, 0xff, and a NUL.
var invalid = "ok\x80\xe2\x82\xff\x00end"

// latin1 is "café" encoded as ISO-8859-1, as C libraries and old files produce it.
var latin1 = string([]byte{'c', 'a', 'f', 0xe9})

//go:noinline
func crash(s, t string) {
	fmt.Println(len(s), len(t))
	panic("badstrings: deliberate crash")
}

func main() {
	crash(invalid, latin1)
}
