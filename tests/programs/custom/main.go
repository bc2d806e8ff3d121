// Command custom panics with a struct value that is not an error.
package main

type MyErr struct {
	Code   int
	Reason string
}

func validate(n int) {
	if n != 0 {
		panic(MyErr{Code: 42, Reason: "boom"})
	}
}

func main() {
	validate(1)
}
