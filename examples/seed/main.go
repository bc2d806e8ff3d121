package main

import (
	"fmt"
	"reflect"
	"unsafe"
)

// String2Bytes turns a string into a byte slice that shares its memory.
func String2Bytes(s string) []byte {
	sh := (*reflect.StringHeader)(unsafe.Pointer(&s))
	bh := reflect.SliceHeader{Data: sh.Data, Len: sh.Len, Cap: sh.Len}
	return *(*[]byte)(unsafe.Pointer(&bh))
}

func Modify() {
	a := "hello"
	b := String2Bytes(a)
	b[0] = 'H'
	fmt.Println(a, b)
}

func main() { Modify() }
