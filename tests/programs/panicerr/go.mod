module panicerr

go 1.19
