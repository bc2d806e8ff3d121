module concmap

go 1.19
