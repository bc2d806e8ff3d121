module nilmap

go 1.19
