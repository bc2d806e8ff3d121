module nilptr

go 1.19
